//! Generates the example schema module (`schemas/example.dc`) for the examples.

fn main() -> Result<(), pipes_build::Error> {
    pipes_build::Config::new()
        .file("../schemas/example.dc")
        .compile()?;
    Ok(())
}
