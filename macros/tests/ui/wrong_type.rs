use pipes::glam::Vec3;

#[derive(pipes::DistributedObject)]
#[dclass(DistributedThing, schema = "../../../../macros/tests/schemas/bind.dc", allow_missing)]
struct Thing {
    // setLevel(uint8(1-99) level): a String cannot hold it.
    level: String,
    // setXy(int16/10 x, int16/10 y): two floats, not three.
    #[dc(field = "setXy")]
    ground: Vec3,
    // setScore(uint32 points, string label): the tuple is in the wrong order.
    score: (String, u32),
}

fn main() {}
