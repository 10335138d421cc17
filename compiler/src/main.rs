//! The `dcc` command line: check, hash, inspect, pack and unpack `.dc` schemas.

mod cli;

fn main() {
    std::process::exit(cli::run(std::env::args_os().collect()));
}
