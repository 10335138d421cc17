//! Behaviour of generated code for `schemas/test/features.dc`: bytes equal the
//! dynamic packer's (which matches Panda3D), ranges and lengths are enforced on both
//! sides with errors naming the parameter, defaults are the schema's, and fixed-size
//! fields pack without allocating.

use pipes::schema::{DClass, FieldMessage};
use pipes::wire::{Reader, WireErrorKind};
use pipes_tests::feature_schema::{self as features, base, features as f, Line, Point, Shape};

/// Packs a DC value with the dynamic packer, for an independent expected value.
fn dynamic(class: &str, field: &str, value: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/test/features.dc");
    let model = dcc::load_files(&[path], dcc::Options::default()).expect("schema loads");
    let class = model.class_by_name(class).expect("class");
    let field = model.field_by_name(class, field).expect("field");
    let mut sources = dcc::SourceMap::new();
    let id = sources.add(dcc::SourceFile::new("<value>", value.as_bytes()));
    let parsed = dcc::parse::parse_value(id, &sources.get(id).text.clone()).expect("value parses");
    dcc::pack::pack_field(&model, field, &parsed).expect("dynamic packer accepts")
}

#[test]
fn typed_and_dynamic_packers_agree() {
    let pos = f::SetPos {
        x: 1.25,
        y: -3.0,
        h: 370.0,
    };
    assert_eq!(
        pos.to_bytes().unwrap(),
        dynamic("Features", "setPos", "(1.25, -3.0, 370.0)")
    );

    let shape = f::SetShape {
        shape: Shape::Case0 {
            center: Point { x: 0.5, y: 0.1 },
            radius: 12,
        },
    };
    assert_eq!(
        shape.to_bytes().unwrap(),
        dynamic("Features", "setShape", "((0, {0.5, 0.1}, 12))")
    );
    let outline = Line {
        points: vec![Point { x: 1.0, y: 2.0 }, Point { x: 3.0, y: 4.0 }],
        color: [1, 2, 3],
        label: "ab".into(),
    };
    let shape = f::SetShape {
        shape: Shape::Case2 {
            outline: outline.clone(),
        },
    };
    assert_eq!(
        shape.to_bytes().unwrap(),
        dynamic(
            "Features",
            "setShape",
            "((2, {[{1, 2}, {3, 4}], [1, 2, 3], \"ab\"}))"
        )
    );
    let flags = f::SetFlags {
        flags: 8,
        c: b'q',
        values: vec![-1, 2],
    };
    assert_eq!(
        flags.to_bytes().unwrap(),
        dynamic("Features", "setFlags", "(8, 'q', [-1, 2])")
    );
    let grid = f::SetGrid {
        grid: [[1, 2], [3, 4]],
    };
    assert_eq!(
        grid.to_bytes().unwrap(),
        dynamic("Features", "setGrid", "([[1, 2], [3, 4]])")
    );
    let scores = f::SetScores {
        scores: vec![7, 8],
        ratio: 1.5,
        big: u64::MAX,
    };
    assert_eq!(
        scores.to_bytes().unwrap(),
        dynamic(
            "Features",
            "setScores",
            "([7, 8], 1.5, 18446744073709551615)"
        )
    );
    assert_eq!(
        f::Counter(9).to_bytes().unwrap(),
        dynamic("Features", "counter", "9")
    );
    assert_eq!(
        base::SetTag { tag: "abcd".into() }.to_bytes().unwrap(),
        dynamic("Base", "setTag", "(\"abcd\")")
    );

    // And back: unpacking gives the values (fixed point rounds to the divisor).
    let back = f::SetPos::from_bytes(&pos.to_bytes().unwrap()).unwrap();
    assert_eq!((back.x, back.y, back.h), (1.3, -3.0, 10.0));
    assert_eq!(
        f::SetShape::from_bytes(&shape.to_bytes().unwrap()).unwrap(),
        shape
    );
}

#[test]
fn ranges_and_lengths_are_enforced_when_packing() {
    let bad_flags = f::SetFlags {
        flags: 5,
        c: b'x',
        values: vec![],
    };
    let e = bad_flags.to_bytes().unwrap_err();
    assert_eq!(
        (e.kind, e.context),
        (WireErrorKind::OutOfRange, "Features.setFlags.flags")
    );

    let too_far = f::SetXy { x: 4000.0, y: 0.0 }; // 40000 does not fit int16
    assert_eq!(too_far.to_bytes().unwrap_err().context, "Features.setXY.x");

    let tag = base::SetTag { tag: "abc".into() }; // string(4): exactly four bytes
    assert!(matches!(
        tag.to_bytes().unwrap_err().kind,
        WireErrorKind::BadLength { len: 3 }
    ));

    let one_point = Line {
        points: vec![Point::default()],
        ..Line::default()
    };
    let e = f::Draw(one_point).to_bytes().unwrap_err();
    assert_eq!(e.kind, WireErrorKind::BadLength { len: 1 });

    let ratio = f::SetScores {
        scores: vec![],
        ratio: 1.6,
        big: 0,
    };
    assert_eq!(
        ratio.to_bytes().unwrap_err().context,
        "Features.setScores.ratio"
    );

    let nan = f::SetPos {
        x: f64::NAN,
        y: 0.0,
        h: 0.0,
    };
    assert_eq!(nan.to_bytes().unwrap_err().kind, WireErrorKind::NotFinite);

    // A default case whose key names an explicit case cannot be packed.
    let shape = f::SetShape {
        shape: Shape::Default {
            key: 1,
            extra: vec![],
        },
    };
    assert_eq!(
        shape.to_bytes().unwrap_err().kind,
        WireErrorKind::UnknownCase
    );
}

#[test]
fn ranges_and_lengths_are_enforced_when_unpacking() {
    // flags = 5 is outside (0-3, 8).
    let e = f::SetFlags::from_bytes(&[5, b'x', 0, 0]).unwrap_err();
    assert_eq!(
        (e.kind, e.context),
        (WireErrorKind::OutOfRange, "Features.setFlags.flags")
    );
    // Truncated, then trailing bytes.
    assert!(matches!(
        f::SetPos::from_bytes(&[0, 0, 0]).unwrap_err().kind,
        WireErrorKind::Truncated { .. }
    ));
    assert_eq!(
        f::Counter::from_bytes(&[1, 0, 0]).unwrap_err().kind,
        WireErrorKind::TrailingBytes { count: 1 }
    );
    // A string that is not UTF-8.
    let e = base::SetTag::from_bytes(&[0xff, 0xfe, b'a', b'b']).unwrap_err();
    assert_eq!(e.kind, WireErrorKind::InvalidUtf8);
    // An array prefix longer than the data.
    assert!(f::SetScores::from_bytes(&[8, 0, 1, 0, 0, 0]).is_err());
    // Unknown switch keys fall to the default case; the default carries its key.
    let bytes = [9u8, 2, 0, 0xaa, 0xbb];
    let shape = f::SetShape::from_bytes(&bytes).unwrap();
    assert_eq!(
        shape.shape,
        Shape::Default {
            key: 9,
            extra: vec![0xaa, 0xbb]
        }
    );
    assert_eq!(shape.to_bytes().unwrap(), bytes);
    // Dispatch by number rejects fields the class does not have.
    let e = f::Field::from_bytes(9999, &[]).unwrap_err();
    assert_eq!(e.kind, WireErrorKind::UnknownField { number: 9999 });
}

#[test]
fn defaults_are_the_schema_defaults() {
    assert_eq!(base::SetTag::default().tag, "none");
    assert_eq!(f::Counter::default().0, 7);
    let line = Line::default();
    assert_eq!(line.color, [255, 0, 0]);
    assert_eq!(line.points.len(), 2); // the minimum count, as Panda's implicit default
    assert_eq!(line.points[0].y, 2.5);
    assert_eq!(f::SetFlags::default().c, b'x');
    // The typed default packs to exactly the bytes Panda computes as the default.
    for &number in f::FIELDS {
        let info = features::SCHEMA.field(number).expect("numbered");
        if info.default.is_empty() {
            continue;
        }
        let field = f::Field::from_bytes(number, info.default).expect("default unpacks");
        let mut again = Vec::new();
        field.pack_into(&mut again).unwrap();
        assert_eq!(again, info.default, "field {}", info.name);
    }
}

#[test]
fn fixed_size_fields_pack_into_stack_arrays() {
    let pos = f::SetPos {
        x: 1.0,
        y: 2.0,
        h: 3.0,
    };
    assert_eq!(f::SetPos::SIZE, Some(6));
    let array: [u8; 6] = pos.to_array().unwrap();
    assert_eq!(array.as_slice(), pos.to_bytes().unwrap().as_slice());
    assert_eq!(
        features::SCHEMA
            .field(f::SetPos::NUMBER)
            .unwrap()
            .fixed_size,
        Some(6)
    );
}

#[test]
fn metadata_and_ownership_rules() {
    let info = <features::Features as DClass>::INFO;
    assert_eq!(info.name, "Features");
    assert_eq!(info.parents, ["Base"]);
    assert_eq!(f::REQUIRED, [base::SetOwnerId::NUMBER, f::SetGrid::NUMBER]);
    // (client may send, owner may send, state, broadcast) per field.
    let rules = [
        (
            f::SetShape::CLIENT_MAY_SEND,
            f::SetShape::OWNER_MAY_SEND,
            f::SetShape::IS_STATE,
            f::SetShape::BROADCAST,
        ),
        (
            f::Draw::CLIENT_MAY_SEND,
            f::Draw::OWNER_MAY_SEND,
            f::Draw::IS_STATE,
            f::Draw::BROADCAST,
        ),
        (
            f::SetPos::CLIENT_MAY_SEND,
            f::SetPos::OWNER_MAY_SEND,
            f::SetPos::IS_STATE,
            f::SetPos::BROADCAST,
        ),
    ];
    assert_eq!(
        rules,
        [
            (true, true, true, true),
            (false, true, false, false),
            (false, false, true, true)
        ]
    );
    let draw = features::SCHEMA.field(f::Draw::NUMBER).unwrap();
    assert!(draw.client_may_send(true) && !draw.client_may_send(false));
    assert_eq!(features::HASH, features::SCHEMA.hash);
    // Skipping a field in a stream reads exactly its bytes.
    let mut bytes = f::SetScores {
        scores: vec![1, 2, 3],
        ratio: 0.5,
        big: 1,
    }
    .to_bytes()
    .unwrap();
    bytes.push(0xee);
    let mut r = Reader::new(&bytes);
    (features::SCHEMA.field(f::SetScores::NUMBER).unwrap().skip)(&mut r).unwrap();
    assert_eq!(r.rest(), [0xee]);
}

/// `dcc build --rust --lenient` (issue 16 item 3): an undefined type is an empty
/// placeholder that packs to no bytes, an undefined parent an empty dclass.
#[test]
fn lenient_placeholders_pack_to_no_bytes() {
    use pipes_tests::placeholders::{ship, Ship, Vessel, WeaponInfo};
    let weapon = ship::SetWeapon {
        w: WeaponInfo,
        slot: 7,
    };
    assert_eq!(weapon.to_bytes().unwrap(), vec![7]);
    assert_eq!(ship::SetWeapon::from_bytes(&[7]).unwrap(), weapon);
    let mut packed = Vec::new();
    Vessel {}.pack_into(&mut packed).unwrap();
    assert!(packed.is_empty());
    let ship = Ship {
        set_weapon: weapon,
        set_name: ship::SetName {
            name: "Black Pearl".into(),
        },
    };
    ship.pack_into(&mut packed).unwrap();
    assert_eq!(Ship::unpack(&mut Reader::new(&packed)).unwrap(), ship);
}
