//! Generates the examples' schema modules: `schemas/example.dc` (the pipes example
//! game) and `whiteboard.dc`.

fn main() -> Result<(), pipes_build::Error> {
    pipes_build::Config::new()
        .file("../schemas/example.dc")
        .compile()?;
    pipes_build::Config::new()
        .file("whiteboard.dc")
        .module_name("whiteboard")
        .compile()?;
    Ok(())
}
