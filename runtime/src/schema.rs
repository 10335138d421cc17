//! Schema metadata the runtime needs about dclasses and fields.
//!
//! `dcc build --rust` emits one static [`SchemaInfo`] per schema; the runtime uses it
//! to route and check messages without knowing the game's types: which class an
//! object is, which fields it has, which keywords allow a client to send a field,
//! which fields are replicated state, and how to find where a field's bytes end.

use crate::wire::{FixedBuf, Reader, Sink, WireResult};

/// A field's keyword flags (the historical DC keywords), as bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldFlags(pub u32);

impl FieldFlags {
    /// No keyword.
    pub const NONE: FieldFlags = FieldFlags(0);
    /// `required`: part of the state an object is generated with.
    pub const REQUIRED: FieldFlags = FieldFlags(1 << 0);
    /// `broadcast`: sent to every client with interest.
    pub const BROADCAST: FieldFlags = FieldFlags(1 << 1);
    /// `ownrecv`: the owner receives it.
    pub const OWNRECV: FieldFlags = FieldFlags(1 << 2);
    /// `ram`: replicated state kept by the server.
    pub const RAM: FieldFlags = FieldFlags(1 << 3);
    /// `db`: stored in the database (Astron).
    pub const DB: FieldFlags = FieldFlags(1 << 4);
    /// `clsend`: any client with interest may send it.
    pub const CLSEND: FieldFlags = FieldFlags(1 << 5);
    /// `clrecv`: clients receive it.
    pub const CLRECV: FieldFlags = FieldFlags(1 << 6);
    /// `ownsend`: the owner may send it.
    pub const OWNSEND: FieldFlags = FieldFlags(1 << 7);
    /// `airecv`: the AI (server) receives it.
    pub const AIRECV: FieldFlags = FieldFlags(1 << 8);

    /// Whether every flag in `other` is set.
    pub const fn contains(self, other: FieldFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union of two flag sets.
    pub const fn union(self, other: FieldFlags) -> FieldFlags {
        FieldFlags(self.0 | other.0)
    }

    /// Maps a keyword name to its flag (`None` for custom keywords).
    pub fn from_keyword(name: &str) -> Option<FieldFlags> {
        Some(match name {
            "required" => Self::REQUIRED,
            "broadcast" => Self::BROADCAST,
            "ownrecv" => Self::OWNRECV,
            "ram" => Self::RAM,
            "db" => Self::DB,
            "clsend" => Self::CLSEND,
            "clrecv" => Self::CLRECV,
            "ownsend" => Self::OWNSEND,
            "airecv" => Self::AIRECV,
            _ => return None,
        })
    }
}

impl std::ops::BitOr for FieldFlags {
    type Output = FieldFlags;
    fn bitor(self, rhs: FieldFlags) -> FieldFlags {
        self.union(rhs)
    }
}

/// What kind of field this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// A method with parameters (`setPos(float64 x, ...)`).
    Atomic,
    /// A single typed value (`uint32 count;`).
    Parameter,
    /// An alias for several atomic fields, packed one after another.
    Molecular,
}

/// Reads past one field value (checking it as it goes) without building it.
///
/// Generated schemas point at a plain function (`skip: &skip_field_3`); schemas built at
/// run time (the Python package loads `.dc` files) point at a leaked closure that walks
/// the dcc model, so this is a trait object rather than a function pointer.
pub type SkipFn = &'static (dyn Fn(&mut Reader<'_>) -> WireResult<()> + Send + Sync);

/// One numbered field of a schema.
pub struct FieldInfo {
    /// The field number (Panda's `DCField::get_number()`), the id on the wire.
    pub number: u16,
    /// The field name as written in the schema.
    pub name: &'static str,
    /// The name of the class or struct that declares it.
    pub class: &'static str,
    /// Atomic, parameter or molecular.
    pub kind: FieldKind,
    /// Flags of the historical keywords.
    pub flags: FieldFlags,
    /// Every keyword name, custom ones included, sorted.
    pub keywords: &'static [&'static str],
    /// The packed size when every value has the same size.
    pub fixed_size: Option<usize>,
    /// The integers a value packs to, as their widths in bytes (1, 2, 4 or 8) in wire
    /// order, when the value is integers alone (`int8`..`uint64`, `char`, fixed-point
    /// divisors, fixed-length arrays and structs of them); empty otherwise. Snapshots
    /// may send such a value as zigzag varint deltas per integer (see
    /// [`crate::protocol::snapshot`]).
    pub int_widths: &'static [u8],
    /// Reads and validates one value (ranges, lengths, UTF-8, switch cases).
    pub skip: SkipFn,
    /// The default value, packed (explicit defaults where written, implicit elsewhere).
    pub default: &'static [u8],
}

impl std::fmt::Debug for FieldInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Everything but `skip` (a function).
        f.debug_struct("FieldInfo")
            .field("number", &self.number)
            .field("name", &self.name)
            .field("class", &self.class)
            .field("kind", &self.kind)
            .field("flags", &self.flags)
            .field("keywords", &self.keywords)
            .field("fixed_size", &self.fixed_size)
            .field("int_widths", &self.int_widths)
            .field("default", &self.default)
            .finish_non_exhaustive()
    }
}

impl FieldInfo {
    /// Whether the flag set is present.
    pub fn has(&self, flags: FieldFlags) -> bool {
        self.flags.contains(flags)
    }

    /// Replicated state: `ram` or `required`.
    pub fn is_state(&self) -> bool {
        self.flags.0 & (FieldFlags::RAM.0 | FieldFlags::REQUIRED.0) != 0
    }

    /// Checks that `bytes` are exactly one valid value of this field.
    pub fn validate(&self, bytes: &[u8]) -> WireResult<()> {
        let mut r = Reader::new(bytes);
        (self.skip)(&mut r).map_err(|e| e.within(self.name))?;
        r.finish().map_err(|e| e.within(self.name))
    }

    /// An input command field: the custom keyword `command` (declare it with
    /// `keyword command;`). The owner sends it as a sequenced, redundant stream
    /// ([`crate::client::Client::send_command`]); the server applies each command once,
    /// in order ([`crate::server::Server::poll_command`]).
    pub fn is_command(&self) -> bool {
        self.keywords.contains(&"command")
    }

    /// A state field the client predicts: the custom keyword `predicted`. The server
    /// sends its value with each command acknowledgement, so the client reconciles
    /// from the exact state that follows the last applied command.
    pub fn is_predicted(&self) -> bool {
        self.keywords.contains(&"predicted")
    }

    /// Whether a client may send this field: `clsend`, or `ownsend` when it owns the object.
    pub fn client_may_send(&self, is_owner: bool) -> bool {
        self.has(FieldFlags::CLSEND) || (is_owner && self.has(FieldFlags::OWNSEND))
    }
}

/// One dclass (or struct) of a schema.
#[derive(Debug)]
pub struct ClassInfo {
    /// The name as written in the schema.
    pub name: &'static str,
    /// The dclass id (index in Panda's class list).
    pub number: u16,
    /// True for a struct.
    pub is_struct: bool,
    /// Parent class names in declaration order.
    pub parents: &'static [&'static str],
    /// Inherited field numbers (own and parents'), sorted by number.
    pub fields: &'static [u16],
    /// The `required` fields, in number order, molecular ones excluded (what a generate carries).
    pub required: &'static [u16],
    /// The `ram` fields, in number order, molecular ones excluded.
    pub ram: &'static [u16],
}

impl ClassInfo {
    /// Whether the class has this field (own or inherited).
    pub fn has_field(&self, number: u16) -> bool {
        self.fields.binary_search(&number).is_ok()
    }
}

/// A compiled schema: its classes, fields and DC hash.
#[derive(Debug)]
pub struct SchemaInfo {
    /// The DC hash (Panda's `DCFile::get_hash()`), checked at handshake.
    pub hash: u32,
    /// Classes and structs indexed by dclass id.
    pub classes: &'static [ClassInfo],
    /// Fields indexed by field number.
    pub fields: &'static [FieldInfo],
}

impl SchemaInfo {
    /// The class with this dclass id.
    pub fn class(&self, number: u16) -> Option<&'static ClassInfo> {
        self.classes.get(usize::from(number))
    }

    /// The class with this name.
    pub fn class_by_name(&self, name: &str) -> Option<&'static ClassInfo> {
        self.classes.iter().find(|c| c.name == name)
    }

    /// The field with this number.
    pub fn field(&self, number: u16) -> Option<&'static FieldInfo> {
        self.fields.get(usize::from(number))
    }

    /// The field of `class` with this name.
    pub fn field_by_name(&self, class: &ClassInfo, name: &str) -> Option<&'static FieldInfo> {
        class
            .fields
            .iter()
            .filter_map(|&n| self.field(n))
            .find(|f| f.name == name)
    }
}

/// A row of a generated field table: [`FieldInfo`] with its fields in declaration
/// order and the flags as bits. Generated tables call it positionally, which keeps a
/// big schema's table a third smaller than struct literals.
#[allow(clippy::too_many_arguments)]
pub const fn field_row(
    number: u16,
    name: &'static str,
    class: &'static str,
    kind: FieldKind,
    flags: u32,
    keywords: &'static [&'static str],
    fixed_size: Option<usize>,
    int_widths: &'static [u8],
    skip: SkipFn,
    default: &'static [u8],
) -> FieldInfo {
    FieldInfo {
        number,
        name,
        class,
        kind,
        flags: FieldFlags(flags),
        keywords,
        fixed_size,
        int_widths,
        skip,
        default,
    }
}

/// A row of a generated class table: [`ClassInfo`] with its fields in declaration
/// order (see [`field_row`]).
pub const fn class_row(
    name: &'static str,
    number: u16,
    is_struct: bool,
    parents: &'static [&'static str],
    fields: &'static [u16],
    required: &'static [u16],
    ram: &'static [u16],
) -> ClassInfo {
    ClassInfo {
        name,
        number,
        is_struct,
        parents,
        fields,
        required,
        ram,
    }
}

/// A generated argument type: packs and unpacks exactly as Panda3D's `DCPacker`.
///
/// Every field argument type implements it (numbered fields, constructors and the
/// atomic members of structs). Generated code calls it monomorphically.
pub trait Message: Sized {
    /// Appends the packed arguments, checking ranges and lengths.
    fn pack_into<S: Sink + ?Sized>(&self, out: &mut S) -> WireResult<()>;
    /// Reads the packed arguments, checking ranges and lengths.
    fn unpack(r: &mut Reader<'_>) -> WireResult<Self>;
}

/// A typed field message generated for one numbered field.
///
/// Generated code gives only [`FieldMessage::INFO`], the field's row in its schema's
/// table; every other constant reads that row at compile time.
pub trait FieldMessage: Message {
    /// The field's row in the schema's field table.
    const INFO: &'static FieldInfo;
    /// The field number, its id on the wire.
    const NUMBER: u16 = Self::INFO.number;
    /// The field name in the schema.
    const NAME: &'static str = Self::INFO.name;
    /// The field's keyword flags.
    const FLAGS: FieldFlags = Self::INFO.flags;
    /// Every keyword on the field, sorted.
    const KEYWORDS: &'static [&'static str] = Self::INFO.keywords;
    /// Any client with interest may send it (`clsend`).
    const CLIENT_MAY_SEND: bool = Self::FLAGS.contains(FieldFlags::CLSEND);
    /// The object's owner may send it (`ownsend` or `clsend`).
    const OWNER_MAY_SEND: bool =
        Self::FLAGS.contains(FieldFlags::OWNSEND) || Self::FLAGS.contains(FieldFlags::CLSEND);
    /// Sent to every client with interest (`broadcast`).
    const BROADCAST: bool = Self::FLAGS.contains(FieldFlags::BROADCAST);
    /// Replicated state (`ram` or `required`) rather than an event.
    const IS_STATE: bool =
        Self::FLAGS.contains(FieldFlags::RAM) || Self::FLAGS.contains(FieldFlags::REQUIRED);
    /// The packed size when every value of the field packs to the same size.
    const SIZE: Option<usize> = Self::INFO.fixed_size;

    /// Appends its packed arguments to a `Vec`.
    fn pack(&self, out: &mut Vec<u8>) -> WireResult<()> {
        self.pack_into(out)
    }

    /// Packs into a new buffer.
    fn to_bytes(&self) -> WireResult<Vec<u8>> {
        let mut out = Vec::new();
        self.pack_into(&mut out)?;
        Ok(out)
    }

    /// Packs into a stack array of `N` bytes without allocating; an error unless
    /// the value packs to exactly `N` bytes (`N` is [`FieldMessage::SIZE`] for
    /// fixed-size fields).
    fn to_array<const N: usize>(&self) -> WireResult<[u8; N]> {
        let mut buf = FixedBuf::<N>::default();
        self.pack_into(&mut buf)?;
        buf.into_array(Self::NAME)
    }

    /// Unpacks exactly `bytes` (trailing bytes are an error).
    fn from_bytes(bytes: &[u8]) -> WireResult<Self> {
        let mut r = Reader::new(bytes);
        let v = Self::unpack(&mut r).map_err(|e| e.within(Self::NAME))?;
        r.finish().map_err(|e| e.within(Self::NAME))?;
        Ok(v)
    }
}

/// Reads past one value of `M`, checking it: the `skip` of a generated field's row.
pub fn skip<M: Message>(r: &mut Reader<'_>) -> WireResult<()> {
    M::unpack(r).map(drop)
}

/// The `skip` of a field with no arguments.
pub fn skip_nothing(_r: &mut Reader<'_>) -> WireResult<()> {
    Ok(())
}

/// A generated dclass type: its metadata, and its state as a whole.
pub trait DClass {
    /// Class metadata.
    const INFO: &'static ClassInfo;
    /// The schema it belongs to.
    const SCHEMA: &'static SchemaInfo;
}
