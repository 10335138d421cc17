//! A hand-written stand-in for the code `dcc` generates from `schemas/example.dc`.
//!
//! **Test support only** (enabled by `cfg(test)` or the `testing` feature). It mirrors
//! what the generator emits — a `SCHEMA: SchemaInfo` and one [`FieldMessage`] type per
//! field — so the runtime's tests and benches can run before generated code exists.
//! Swap it for `include!(concat!(env!("OUT_DIR"), "/example.rs"))` once `pipes-build`
//! produces that file. Numbers and the hash were taken from `dcc info`/`dcc hash`:
//!
//! ```text
//! [0] Color (struct)        0 r  1 g  2 b
//! [1] DistributedChat       3 say [airecv clsend]   4 said [broadcast]
//! [2] DistributedAvatar     5 setName, 6 setColor, 7 setPos, 8 setH [broadcast ram required (+ownsend on 7, 8)]
//!                           9 setPosH (molecular)   10 emote [broadcast ownsend]
//! ```

use crate::schema::{
    ClassInfo, DClass, FieldFlags, FieldInfo, FieldKind, FieldMessage, SchemaInfo,
};
use crate::wire::{self, Reader, WireResult};

/// The DC hash of `schemas/example.dc` (`dcc hash schemas/example.dc`).
pub const EXAMPLE_HASH: u32 = 0x00d6_be35;

/// Field number of `DistributedChat.say`.
pub const SAY: u16 = 3;
/// Field number of `DistributedChat.said`.
pub const SAID: u16 = 4;
/// Field number of `DistributedAvatar.setName`.
pub const SET_NAME: u16 = 5;
/// Field number of `DistributedAvatar.setColor`.
pub const SET_COLOR: u16 = 6;
/// Field number of `DistributedAvatar.setPos`.
pub const SET_POS: u16 = 7;
/// Field number of `DistributedAvatar.setH`.
pub const SET_H: u16 = 8;
/// Field number of `DistributedAvatar.setPosH`.
pub const SET_POS_H: u16 = 9;
/// Field number of `DistributedAvatar.emote`.
pub const EMOTE: u16 = 10;
/// Class id of `DistributedChat`.
pub const CHAT: u16 = 1;
/// Class id of `DistributedAvatar`.
pub const AVATAR: u16 = 2;

const STATE: FieldFlags =
    FieldFlags(FieldFlags::BROADCAST.0 | FieldFlags::RAM.0 | FieldFlags::REQUIRED.0);
const OWN_STATE: FieldFlags = FieldFlags(STATE.0 | FieldFlags::OWNSEND.0);

fn skip_u8(r: &mut Reader<'_>) -> WireResult<()> {
    r.read_u8().map(drop)
}
fn skip_text_0_256(r: &mut Reader<'_>) -> WireResult<()> {
    let b = r.read_blob16()?;
    wire::check_len(b.len(), &[(0, 256)], "text")?;
    wire::utf8(b, "text").map(drop)
}
fn skip_said(r: &mut Reader<'_>) -> WireResult<()> {
    r.read_u32()?;
    skip_text_0_256(r)
}
fn skip_name(r: &mut Reader<'_>) -> WireResult<()> {
    let b = r.read_blob16()?;
    wire::check_len(b.len(), &[(1, 32)], "name")?;
    wire::utf8(b, "name").map(drop)
}
fn skip_color(r: &mut Reader<'_>) -> WireResult<()> {
    r.take(3).map(drop)
}
fn skip_pos(r: &mut Reader<'_>) -> WireResult<()> {
    r.take(12).map(drop)
}
fn skip_h(r: &mut Reader<'_>) -> WireResult<()> {
    r.read_i16().map(drop)
}
fn skip_pos_h(r: &mut Reader<'_>) -> WireResult<()> {
    skip_pos(r)?;
    skip_h(r)
}
fn skip_emote(r: &mut Reader<'_>) -> WireResult<()> {
    let v = r.read_u8()?;
    wire::check_int_range(i128::from(v), &[(0, 15)], "id")
}

#[allow(clippy::too_many_arguments)] // one row of the table per call
const fn field(
    number: u16,
    name: &'static str,
    class: &'static str,
    kind: FieldKind,
    flags: FieldFlags,
    keywords: &'static [&'static str],
    fixed_size: Option<usize>,
    skip: crate::schema::SkipFn,
    default: &'static [u8],
) -> FieldInfo {
    FieldInfo {
        number,
        name,
        class,
        kind,
        flags,
        keywords,
        fixed_size,
        skip,
        default,
    }
}

const KW_STATE: &[&str] = &["broadcast", "ram", "required"];
const KW_OWN_STATE: &[&str] = &["broadcast", "ownsend", "ram", "required"];
const NONE: FieldFlags = FieldFlags::NONE;

pub(crate) static FIELDS: [FieldInfo; 11] = [
    field(
        0,
        "r",
        "Color",
        FieldKind::Parameter,
        NONE,
        &[],
        Some(1),
        skip_u8,
        &[0],
    ),
    field(
        1,
        "g",
        "Color",
        FieldKind::Parameter,
        NONE,
        &[],
        Some(1),
        skip_u8,
        &[0],
    ),
    field(
        2,
        "b",
        "Color",
        FieldKind::Parameter,
        NONE,
        &[],
        Some(1),
        skip_u8,
        &[0],
    ),
    field(
        SAY,
        "say",
        "DistributedChat",
        FieldKind::Atomic,
        FieldFlags(FieldFlags::AIRECV.0 | FieldFlags::CLSEND.0),
        &["airecv", "clsend"],
        None,
        skip_text_0_256,
        &[0, 0],
    ),
    field(
        SAID,
        "said",
        "DistributedChat",
        FieldKind::Atomic,
        FieldFlags::BROADCAST,
        &["broadcast"],
        None,
        skip_said,
        &[0, 0, 0, 0, 0, 0],
    ),
    field(
        SET_NAME,
        "setName",
        "DistributedAvatar",
        FieldKind::Atomic,
        STATE,
        KW_STATE,
        None,
        skip_name,
        &[4, 0, b'T', b'o', b'o', b'n'],
    ),
    field(
        SET_COLOR,
        "setColor",
        "DistributedAvatar",
        FieldKind::Atomic,
        STATE,
        KW_STATE,
        Some(3),
        skip_color,
        &[0; 3],
    ),
    field(
        SET_POS,
        "setPos",
        "DistributedAvatar",
        FieldKind::Atomic,
        OWN_STATE,
        KW_OWN_STATE,
        Some(12),
        skip_pos,
        &[0; 12],
    ),
    field(
        SET_H,
        "setH",
        "DistributedAvatar",
        FieldKind::Atomic,
        OWN_STATE,
        KW_OWN_STATE,
        Some(2),
        skip_h,
        &[0; 2],
    ),
    field(
        SET_POS_H,
        "setPosH",
        "DistributedAvatar",
        FieldKind::Molecular,
        OWN_STATE,
        KW_OWN_STATE,
        Some(14),
        skip_pos_h,
        &[0; 14],
    ),
    field(
        EMOTE,
        "emote",
        "DistributedAvatar",
        FieldKind::Atomic,
        FieldFlags(FieldFlags::BROADCAST.0 | FieldFlags::OWNSEND.0),
        &["broadcast", "ownsend"],
        Some(1),
        skip_emote,
        &[0],
    ),
];

pub(crate) static CLASSES: [ClassInfo; 3] = [
    ClassInfo {
        name: "Color",
        number: 0,
        is_struct: true,
        parents: &[],
        fields: &[0, 1, 2],
        required: &[],
        ram: &[],
    },
    ClassInfo {
        name: "DistributedChat",
        number: CHAT,
        is_struct: false,
        parents: &[],
        fields: &[SAY, SAID],
        required: &[],
        ram: &[],
    },
    ClassInfo {
        name: "DistributedAvatar",
        number: AVATAR,
        is_struct: false,
        parents: &[],
        fields: &[SET_NAME, SET_COLOR, SET_POS, SET_H, SET_POS_H, EMOTE],
        required: &[SET_NAME, SET_COLOR, SET_POS, SET_H],
        ram: &[SET_NAME, SET_COLOR, SET_POS, SET_H],
    },
];

/// The schema of `schemas/example.dc`, as `dcc build --rust` would emit it.
pub static SCHEMA: SchemaInfo = SchemaInfo {
    hash: EXAMPLE_HASH,
    classes: &CLASSES,
    fields: &FIELDS,
};

/// `DistributedChat` (marker type, as generated).
pub struct DistributedChat;
impl DClass for DistributedChat {
    const INFO: &'static ClassInfo = &CLASSES[1];
    const SCHEMA: &'static SchemaInfo = &SCHEMA;
}

/// `DistributedAvatar` (marker type, as generated).
pub struct DistributedAvatar;
impl DClass for DistributedAvatar {
    const INFO: &'static ClassInfo = &CLASSES[2];
    const SCHEMA: &'static SchemaInfo = &SCHEMA;
}

/// `say(string(0-256) text) clsend airecv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Say {
    /// The chat line.
    pub text: String,
}
impl FieldMessage for Say {
    const NUMBER: u16 = SAY;
    const NAME: &'static str = "say";
    fn pack(&self, out: &mut Vec<u8>) -> WireResult<()> {
        wire::check_len(self.text.len(), &[(0, 256)], "say.text")?;
        wire::put_blob16(out, self.text.as_bytes(), "say.text")
    }
    fn unpack(r: &mut Reader<'_>) -> WireResult<Self> {
        let b = r.read_blob16()?;
        wire::check_len(b.len(), &[(0, 256)], "say.text")?;
        Ok(Say {
            text: wire::utf8(b, "say.text")?,
        })
    }
}

/// `said(DoId sender, string(0-256) text) broadcast`.
#[derive(Clone, Debug, PartialEq)]
pub struct Said {
    /// Who spoke.
    pub sender: u32,
    /// The chat line.
    pub text: String,
}
impl FieldMessage for Said {
    const NUMBER: u16 = SAID;
    const NAME: &'static str = "said";
    fn pack(&self, out: &mut Vec<u8>) -> WireResult<()> {
        wire::put_u32(out, self.sender);
        wire::check_len(self.text.len(), &[(0, 256)], "said.text")?;
        wire::put_blob16(out, self.text.as_bytes(), "said.text")
    }
    fn unpack(r: &mut Reader<'_>) -> WireResult<Self> {
        let sender = r.read_u32()?;
        let b = r.read_blob16()?;
        wire::check_len(b.len(), &[(0, 256)], "said.text")?;
        Ok(Said {
            sender,
            text: wire::utf8(b, "said.text")?,
        })
    }
}

/// `setName(string(1-32) name = "Toon") required broadcast ram`.
#[derive(Clone, Debug, PartialEq)]
pub struct SetName {
    /// The name.
    pub name: String,
}
impl FieldMessage for SetName {
    const NUMBER: u16 = SET_NAME;
    const NAME: &'static str = "setName";
    fn pack(&self, out: &mut Vec<u8>) -> WireResult<()> {
        wire::check_len(self.name.len(), &[(1, 32)], "setName.name")?;
        wire::put_blob16(out, self.name.as_bytes(), "setName.name")
    }
    fn unpack(r: &mut Reader<'_>) -> WireResult<Self> {
        let b = r.read_blob16()?;
        wire::check_len(b.len(), &[(1, 32)], "setName.name")?;
        Ok(SetName {
            name: wire::utf8(b, "setName.name")?,
        })
    }
}

/// `setPos(int32/100 x, int32/100 y, int32/100 z) required broadcast ram ownsend`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SetPos {
    /// Metres.
    pub x: f64,
    /// Metres.
    pub y: f64,
    /// Metres.
    pub z: f64,
}
impl FieldMessage for SetPos {
    const NUMBER: u16 = SET_POS;
    const NAME: &'static str = "setPos";
    fn pack(&self, out: &mut Vec<u8>) -> WireResult<()> {
        for (v, ctx) in [
            (self.x, "setPos.x"),
            (self.y, "setPos.y"),
            (self.z, "setPos.z"),
        ] {
            let n = wire::fixed_point(v, 100, None, ctx)?;
            wire::put_i32(out, wire::narrow(n, ctx)?);
        }
        Ok(())
    }
    fn unpack(r: &mut Reader<'_>) -> WireResult<Self> {
        Ok(SetPos {
            x: f64::from(r.read_i32()?) / 100.0,
            y: f64::from(r.read_i32()?) / 100.0,
            z: f64::from(r.read_i32()?) / 100.0,
        })
    }
}

/// `setH(int16 % 360 / 10 h) required broadcast ram ownsend`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SetH {
    /// Degrees.
    pub h: f64,
}
impl FieldMessage for SetH {
    const NUMBER: u16 = SET_H;
    const NAME: &'static str = "setH";
    fn pack(&self, out: &mut Vec<u8>) -> WireResult<()> {
        let n = wire::fixed_point(self.h, 10, Some(3600.0), "setH.h")?;
        wire::put_i16(out, wire::narrow(n, "setH.h")?);
        Ok(())
    }
    fn unpack(r: &mut Reader<'_>) -> WireResult<Self> {
        Ok(SetH {
            h: f64::from(r.read_i16()?) / 10.0,
        })
    }
}

/// `emote(uint8(0-15) id) broadcast ownsend`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Emote {
    /// Emote number.
    pub id: u8,
}
impl FieldMessage for Emote {
    const NUMBER: u16 = EMOTE;
    const NAME: &'static str = "emote";
    fn pack(&self, out: &mut Vec<u8>) -> WireResult<()> {
        wire::check_int_range(i128::from(self.id), &[(0, 15)], "emote.id")?;
        wire::put_u8(out, self.id);
        Ok(())
    }
    fn unpack(r: &mut Reader<'_>) -> WireResult<Self> {
        let id = r.read_u8()?;
        wire::check_int_range(i128::from(id), &[(0, 15)], "emote.id")?;
        Ok(Emote { id })
    }
}

impl crate::client::IntoInterpolated<glam::Vec3> for SetPos {
    fn into_interpolated(self) -> glam::Vec3 {
        glam::DVec3::new(self.x, self.y, self.z).as_vec3()
    }
}

impl crate::client::IntoInterpolated<glam::DVec3> for SetPos {
    fn into_interpolated(self) -> glam::DVec3 {
        glam::DVec3::new(self.x, self.y, self.z)
    }
}

impl crate::client::IntoInterpolated<crate::interp::Degrees> for SetH {
    fn into_interpolated(self) -> crate::interp::Degrees {
        crate::interp::Degrees(self.h as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_tables_are_consistent() {
        for (i, f) in SCHEMA.fields.iter().enumerate() {
            assert_eq!(usize::from(f.number), i);
            assert!(f.validate(f.default).is_ok(), "default of {}", f.name);
        }
        for (i, c) in SCHEMA.classes.iter().enumerate() {
            assert_eq!(usize::from(c.number), i);
        }
        let avatar = SCHEMA.class(AVATAR).unwrap();
        assert_eq!(SCHEMA.field_by_name(avatar, "setH").unwrap().number, SET_H);
    }

    #[test]
    fn typed_messages_round_trip_and_validate() {
        let p = SetPos {
            x: 1.25,
            y: -2.5,
            z: 0.0,
        };
        let b = p.to_bytes().unwrap();
        assert_eq!(SetPos::from_bytes(&b).unwrap(), p);
        assert!(SCHEMA.field(SET_POS).unwrap().validate(&b).is_ok());
        assert!(Emote { id: 16 }.to_bytes().is_err());
        assert!(SCHEMA.field(EMOTE).unwrap().validate(&[16]).is_err());
        assert!(SCHEMA.field(SET_NAME).unwrap().validate(&[0, 0]).is_err());
    }
}
