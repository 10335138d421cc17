#[derive(pipes::DistributedObject)]
#[dclass(DistributedThing, schema = "../../../../macros/tests/schemas/bind.dc")]
struct Thing {
    name: String,
}

fn main() {}
