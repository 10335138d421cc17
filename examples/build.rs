//! Generates the examples' schema modules: `schemas/example.dc` (the pipes example
//! game), the Astron example's
//! schema (`example.dc` + `astron/astron_game.dc`), `whiteboard.dc`, `load.dc` (the load harness's
//! scenarios) `guide.dc` (the game of `docs/GUIDE.md`) and `arena.dc` (prediction and lag compensation).

fn main() -> Result<(), pipes_build::Error> {
    // The tests compare and print messages: `assert_eq!` needs `PartialEq` and `Debug`
    // (generated types derive only what a build asks for).
    pipes_build::Config::new()
        .file("../schemas/example.dc")
        .derive("all")
        .compile()?;
    pipes_build::Config::new()
        .files(["../schemas/example.dc", "astron/astron_game.dc"])
        .module_name("astron_game")
        .derive("all")
        .compile()?;
    pipes_build::Config::new()
        .file("whiteboard.dc")
        .module_name("whiteboard")
        // The example compares the boards its clients drew.
        .derive("clone,eq")
        .compile()?;
    pipes_build::Config::new()
        .file("load.dc")
        .module_name("load_schema")
        .compile()?;
    pipes_build::Config::new()
        .file("arena.dc")
        .module_name("arena")
        // Prediction keeps the commands it sent, to replay them.
        .derive("clone")
        .compile()?;
    // ANCHOR: build
    pipes_build::Config::new()
        .file("guide.dc")
        .module_name("guide")
        .compile()?;
    // ANCHOR_END: build
    Ok(())
}
