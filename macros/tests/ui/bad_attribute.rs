#[derive(pipes::DistributedObject)]
#[dclass(DistributedThing)]
struct NoSchema {
    name: String,
}

#[derive(pipes::DistributedObject)]
struct NoAttribute {
    name: String,
}

#[derive(pipes::DistributedObject)]
#[dclass(DistributedThing, schema = "../../../../macros/tests/schemas/bind.dc", allow_missing)]
struct BadField {
    #[dc(rename = "setName")]
    name: String,
}

fn main() {}
