#[derive(pipes::DistributedObject)]
#[dclass(DistributedThing, schema = "../../../../macros/tests/schemas/bind.dc", allow_missing)]
struct Thing {
    // an event, not state
    #[dc(field = "wave")]
    wave: u8,
    // molecular
    #[dc(field = "setXyH")]
    xy_h: (f64, f64, f64),
}

fn main() {}
