// Binding with the default module (self) and an explicit one, both compiled in place.
use pipes::schema::FieldMessage as _;
pipes::dc_schema!("../../../../macros/tests/schemas/bind.dc");

mod other {
    pipes::dc_schema!("../../../../macros/tests/schemas/bind.dc");
}

#[derive(pipes::DistributedObject)]
#[dclass(DistributedThing, schema = "../../../../macros/tests/schemas/bind.dc")]
struct Thing {
    parent_id: DoId,
    name: String,
    pos: pipes::glam::DVec3,
}

#[derive(pipes::DistributedObject)]
#[dclass(DistributedNode, schema = "../../../../macros/tests/schemas/bind.dc", module = crate::other)]
struct Node<T> {
    #[dc(field = "setParentId")]
    parent: u32,
    #[dc(skip)]
    extra: T,
}

fn main() {
    use pipes::bind::Replicated;
    assert_eq!(Thing::CLASS, "DistributedThing");
    assert_eq!(<Node<()>>::FIELDS, &[other::distributed_node::SetParentId::NUMBER]);
    let _ = Thing { parent_id: 1, name: "a".into(), pos: Default::default() }.pack_state();
    let _ = Node { parent: 1, extra: () }.extra;
}
