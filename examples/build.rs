//! Generates the examples' schema modules: `schemas/example.dc` (the pipes example
//! game), the Astron example's
//! schema (`example.dc` + `astron/astron_game.dc`), `whiteboard.dc` and `guide.dc`
//! (the game of `docs/GUIDE.md`).

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
    // ANCHOR: build
    pipes_build::Config::new()
        .file("guide.dc")
        .module_name("guide")
        .compile()?;
    // ANCHOR_END: build
    Ok(())
}
