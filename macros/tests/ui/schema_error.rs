mod game {
    pipes::dc_schema!("../../../../macros/tests/schemas/bad.dc");
}

mod missing {
    pipes::dc_schema!("../../../../macros/tests/schemas/no_such_file.dc");
}

fn main() {}
