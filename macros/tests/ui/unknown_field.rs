#[derive(pipes::DistributedObject)]
#[dclass(DistributedThing, schema = "../../../../macros/tests/schemas/bind.dc", allow_missing)]
struct Thing {
    name: String,
    speed: f32,
    #[dc(field = "setSpeed")]
    velocity: f32,
}

fn main() {}
