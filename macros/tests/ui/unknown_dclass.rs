#[derive(pipes::DistributedObject)]
#[dclass(DistributedThingy, schema = "../../../../macros/tests/schemas/bind.dc")]
struct Thing {
    name: String,
}

fn main() {}
