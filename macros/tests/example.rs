//! The README's binding of the project's example schema, byte for byte.

mod game {
    pipes::dc_schema!(
        "../schemas/example.dc",
        derive(Clone, Debug, PartialEq),
        field_enums
    );
}

use game::distributed_avatar as avatar;
use pipes::bind::Replicated;
use pipes::schema::FieldMessage;

#[derive(pipes::DistributedObject, Debug, Default, PartialEq)]
#[dclass(DistributedAvatar, schema = "../schemas/example.dc", module = crate::game)]
struct Avatar {
    name: String,
    color: game::Color,
    pos: pipes::glam::Vec3,
    #[dc(field = "setH")]
    heading: f32,
    #[dc(skip)]
    sprite: u32,
}

#[test]
fn the_readme_avatar_packs_like_the_generated_messages() {
    let a = Avatar {
        name: "Toon".into(),
        color: game::Color {
            r: 10,
            g: 20,
            b: 30,
        },
        pos: pipes::glam::Vec3::new(1.25, -3.5, 0.0),
        heading: 45.5,
        sprite: 3,
    };
    let expect = vec![
        (
            avatar::SetName::NUMBER,
            avatar::SetName {
                name: "Toon".into(),
            }
            .to_bytes()
            .unwrap(),
        ),
        (
            avatar::SetColor::NUMBER,
            avatar::SetColor {
                color: a.color.clone(),
            }
            .to_bytes()
            .unwrap(),
        ),
        (
            avatar::SetPos::NUMBER,
            avatar::SetPos {
                x: 1.25,
                y: -3.5,
                z: 0.0,
            }
            .to_array::<12>()
            .unwrap()
            .to_vec(),
        ),
        (
            avatar::SetH::NUMBER,
            avatar::SetH { h: 45.5 }.to_bytes().unwrap(),
        ),
    ];
    assert_eq!(a.pack_state().unwrap(), expect);
    // int32/100 fixed point: 1.25 m is 125 cm.
    assert_eq!(expect[2].1[..4], 125i32.to_le_bytes());
    let mut b = Avatar::default();
    for (n, bytes) in &expect {
        assert!(b.apply_field(*n, bytes).unwrap());
    }
    b.sprite = 3;
    assert_eq!(b, a);
    assert_eq!(Avatar::CLASS_ID, avatar::ID);
    // Every required field; the molecule setPosH is not one (it travels as its atoms).
    assert_eq!(Avatar::FIELDS, avatar::REQUIRED);
    assert!(!avatar::REQUIRED.contains(&avatar::SetPosH::NUMBER));
}

#[test]
fn molecular_fields_pack_and_apply_through_their_atoms() {
    let a = Avatar {
        pos: pipes::glam::Vec3::new(2.0, 3.0, 4.5),
        heading: 180.0,
        ..Avatar::default()
    };
    let molecule = avatar::SetPosH {
        set_pos: avatar::SetPos {
            x: 2.0,
            y: 3.0,
            z: 4.5,
        },
        set_h: avatar::SetH { h: 180.0 },
    };
    let mut out = Vec::new();
    assert!(a.pack_field(avatar::SetPosH::NUMBER, &mut out).unwrap());
    assert_eq!(out, molecule.to_bytes().unwrap());
    let mut b = Avatar::default();
    assert!(b.apply_field(avatar::SetPosH::NUMBER, &out).unwrap());
    assert_eq!((b.pos, b.heading), (a.pos, a.heading));
    // A truncated molecule changes nothing (setPos would have fit).
    let mut c = Avatar::default();
    assert!(c.apply_field(avatar::SetPosH::NUMBER, &out[..13]).is_err());
    assert_eq!(c, Avatar::default());
}
