//! `#[derive(DistributedObject)]` at run time: bound structs pack exactly the bytes
//! of the generated `FieldMessage` and apply them back.

mod game {
    pipes::dc_schema!(
        "tests/schemas/bind.dc",
        derive(Clone, Debug, PartialEq),
        field_enums
    );
}

use game::distributed_node as node;
use game::distributed_thing as thing;
use pipes::bind::Replicated;
use pipes::glam::{DQuat, DVec3, Quat, Vec2, Vec3};
use pipes::schema::FieldMessage;

#[derive(pipes::DistributedObject, Clone, Debug, Default, PartialEq)]
#[dclass(DistributedThing, schema = "tests/schemas/bind.dc", module = crate::game)]
struct Thing {
    parent_id: u32,
    name: String,
    pos: Vec3,
    #[dc(field = "setXy")]
    ground: Vec2,
    rot: Quat,
    #[dc(field = "setH")]
    heading: f32,
    level: u8,
    color: game::Color,
    slots: [u16; 4],
    blob: Vec<u8>,
    score: (u32, String),
    #[dc(skip)]
    local_only: u64,
}

/// The same class held in f64 glam types, the typedef alias and generated types.
#[derive(pipes::DistributedObject, Clone, Debug, Default, PartialEq)]
#[dclass(DistributedThing, schema = "tests/schemas/bind.dc", module = crate::game, allow_missing)]
struct PreciseThing {
    #[dc(field = "setParentId")]
    parent: game::DoId,
    pos: DVec3,
    rot: DQuat,
    #[dc(field = "setH")]
    heading: f64,
    score: thing::SetScore,
}

fn sample() -> Thing {
    Thing {
        parent_id: 4000,
        name: "Flippy".into(),
        pos: Vec3::new(1.5, -2.25, 100.0),
        ground: Vec2::new(3.5, -0.5),
        rot: Quat::from_xyzw(0.0, 0.5, 0.5, 0.70710677),
        heading: 90.5,
        level: 42,
        color: game::Color { r: 1, g: 2, b: 3 },
        slots: [1, 2, 3, 65535],
        blob: vec![0, 255, 7],
        score: (77, "gold".into()),
        local_only: 9,
    }
}

fn packed<T: Replicated>(t: &T, number: u16) -> Vec<u8> {
    let mut out = Vec::new();
    assert!(
        t.pack_field(number, &mut out).unwrap(),
        "field {number} bound"
    );
    out
}

#[test]
fn packs_the_bytes_of_the_generated_messages() {
    let t = sample();
    let f = |x: f32| f64::from(x);
    let expect: Vec<(u16, Vec<u8>)> = vec![
        (
            node::SetParentId::NUMBER,
            node::SetParentId { parent: 4000 }.to_bytes().unwrap(),
        ),
        (
            thing::SetName::NUMBER,
            thing::SetName {
                name: "Flippy".into(),
            }
            .to_bytes()
            .unwrap(),
        ),
        (
            thing::SetPos::NUMBER,
            thing::SetPos {
                x: f(t.pos.x),
                y: f(t.pos.y),
                z: f(t.pos.z),
            }
            .to_bytes()
            .unwrap(),
        ),
        (
            thing::SetXy::NUMBER,
            thing::SetXy { x: 3.5, y: -0.5 }.to_bytes().unwrap(),
        ),
        (
            thing::SetRot::NUMBER,
            thing::SetRot {
                x: 0.0,
                y: 0.5,
                z: 0.5,
                w: f(0.70710677),
            }
            .to_bytes()
            .unwrap(),
        ),
        (
            thing::SetH::NUMBER,
            thing::SetH { h: 90.5 }.to_bytes().unwrap(),
        ),
        (
            thing::SetLevel::NUMBER,
            thing::SetLevel { level: 42 }.to_bytes().unwrap(),
        ),
        (
            thing::SetColor::NUMBER,
            thing::SetColor {
                color: game::Color { r: 1, g: 2, b: 3 },
            }
            .to_bytes()
            .unwrap(),
        ),
        (
            thing::SetSlots::NUMBER,
            thing::SetSlots {
                slots: [1, 2, 3, 65535],
            }
            .to_bytes()
            .unwrap(),
        ),
        (
            thing::SetBlob::NUMBER,
            thing::SetBlob {
                data: vec![0, 255, 7],
            }
            .to_bytes()
            .unwrap(),
        ),
        (
            thing::SetScore::NUMBER,
            thing::SetScore {
                points: 77,
                label: "gold".into(),
            }
            .to_bytes()
            .unwrap(),
        ),
    ];
    for (n, bytes) in &expect {
        assert_eq!(&packed(&t, *n), bytes, "field {n}");
    }
    let numbers: Vec<u16> = expect.iter().map(|e| e.0).collect();
    assert_eq!(Thing::FIELDS, numbers.as_slice());
    assert_eq!(t.pack_state().unwrap(), expect);
    assert_eq!(Thing::CLASS, "DistributedThing");
    assert_eq!(Thing::CLASS_ID, thing::ID);
}

#[test]
fn apply_restores_what_pack_wrote() {
    let t = sample();
    let mut u = Thing::default();
    for (n, bytes) in t.pack_state().unwrap() {
        assert!(u.apply_field(n, &bytes).unwrap(), "field {n}");
    }
    u.local_only = t.local_only;
    assert_eq!(u, t);
}

#[test]
fn unbound_fields_are_reported_not_packed() {
    let t = sample();
    let mut out = Vec::new();
    // `wave` is an event: never held.
    assert!(!t.pack_field(thing::Wave::NUMBER, &mut out).unwrap());
    // PreciseThing holds setH but not setXy, so not the molecule setXyH either.
    let p = PreciseThing::default();
    assert!(!p.pack_field(thing::SetXyH::NUMBER, &mut out).unwrap());
    assert!(!p.pack_field(thing::SetXy::NUMBER, &mut out).unwrap());
    assert!(out.is_empty());
    let mut u = t.clone();
    assert!(!u.apply_field(thing::Wave::NUMBER, &[1]).unwrap());
    assert_eq!(u, t);
    // Thing holds both atoms, so it handles the molecule.
    assert!(t.pack_field(thing::SetXyH::NUMBER, &mut out).unwrap());
    let atoms = [
        packed(&t, thing::SetXy::NUMBER),
        packed(&t, thing::SetH::NUMBER),
    ]
    .concat();
    assert_eq!(out, atoms);
}

#[test]
fn bad_bytes_are_errors_and_leave_the_struct_unchanged() {
    let t = sample();
    let mut u = t.clone();
    // setLevel is uint8(1-99): 0 is out of range; a truncated setPos; trailing bytes.
    assert!(u.apply_field(thing::SetLevel::NUMBER, &[0]).is_err());
    assert!(u.apply_field(thing::SetPos::NUMBER, &[0; 7]).is_err());
    assert!(u.apply_field(thing::SetLevel::NUMBER, &[5, 0]).is_err());
    assert_eq!(u, t);
}

#[test]
fn packing_checks_ranges_like_the_generated_code() {
    let mut t = sample();
    t.level = 100;
    let mut out = Vec::new();
    let err = t.pack_field(thing::SetLevel::NUMBER, &mut out).unwrap_err();
    let gen_err = thing::SetLevel { level: 100 }.to_bytes().unwrap_err();
    assert_eq!(err, gen_err);
    t.name = String::new();
    assert!(t
        .pack_field(thing::SetName::NUMBER, &mut Vec::new())
        .is_err());
}

#[test]
fn f64_glam_types_aliases_and_generated_types_bind_too() {
    let p = PreciseThing {
        parent: 12,
        pos: DVec3::new(0.1, 0.2, 0.3),
        rot: DQuat::from_xyzw(0.1, 0.2, 0.3, 0.9),
        heading: 359.9,
        score: thing::SetScore {
            points: 1,
            label: "x".into(),
        },
    };
    assert_eq!(
        packed(&p, thing::SetPos::NUMBER),
        thing::SetPos {
            x: 0.1,
            y: 0.2,
            z: 0.3
        }
        .to_bytes()
        .unwrap()
    );
    assert_eq!(
        packed(&p, thing::SetRot::NUMBER),
        thing::SetRot {
            x: 0.1,
            y: 0.2,
            z: 0.3,
            w: 0.9
        }
        .to_bytes()
        .unwrap()
    );
    assert_eq!(
        packed(&p, thing::SetScore::NUMBER),
        p.score.to_bytes().unwrap()
    );
    let mut q = PreciseThing::default();
    for (n, bytes) in p.pack_state().unwrap() {
        assert!(q.apply_field(n, &bytes).unwrap());
    }
    // setH is int16/10: the heading comes back at 0.1 degree precision.
    assert_eq!(q.heading, 359.9);
    assert_eq!(q, p);
    // Only the bound fields, in number order.
    assert_eq!(
        PreciseThing::FIELDS,
        &[
            node::SetParentId::NUMBER,
            thing::SetPos::NUMBER,
            thing::SetRot::NUMBER,
            thing::SetH::NUMBER,
            thing::SetScore::NUMBER
        ]
    );
}
