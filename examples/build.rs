//! Generates the examples' schema modules: `schemas/example.dc` (the pipes example
//! game), the Astron example's
//! schema (`example.dc` + `astron/astron_game.dc`), `whiteboard.dc`, `load.dc` (the load harness's
//! scenarios) `guide.dc` (the game of `docs/GUIDE.md`) and `arena.dc` (prediction and lag compensation).

fn main() -> Result<(), pipes_build::Error> {
    pipes_build::Config::new()
        .file("../schemas/example.dc")
        .compile()?;
    pipes_build::Config::new()
        .files(["../schemas/example.dc", "astron/astron_game.dc"])
        .module_name("astron_game")
        .compile()?;
    pipes_build::Config::new()
        .file("whiteboard.dc")
        .module_name("whiteboard")
        .compile()?;
    pipes_build::Config::new()
        .file("load.dc")
        .module_name("load_schema")
        .compile()?;
    pipes_build::Config::new()
        .file("arena.dc")
        .module_name("arena")
        .compile()?;
    // ANCHOR: build
    pipes_build::Config::new()
        .file("guide.dc")
        .module_name("guide")
        .compile()?;
    // ANCHOR_END: build
    Ok(())
}
