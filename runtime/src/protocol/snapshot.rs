//! Snapshot packets: records of objects entering, changing and leaving a client's view.
//!
//! A snapshot for one client at one tick is split into parts of about
//! `max_packet_size` bytes (a part holds at least one record). Each part stands alone
//! (no record refers to another part), so losing one costs only the records in it.
//! Every part carries a 16-bit packet sequence number; the client acks with the newest
//! sequence it received and a bitfield of the 32 before it ([`super::AckWindow`]), so a lost
//! ack costs nothing: the next one repeats it.
//!
//! # Layout, byte by byte (protocol version 7)
//!
//! ```text
//! part   := type:u8(=4) seq:u16 tick:u32 part:u16 count:u16 back:u8 record*count
//!           (part: bit 15 flags the tick's final part; back: the baseline of the
//!           part's DELTA records is tick - back, 1 <= back < DELTA_WINDOW (32);
//!           0 = the part has no DELTA record. The header is fixed-size so the
//!           writer patches it in place: 12 bytes per part of up to ~1200)
//! record := head:u8 [more:u8] [object] [class] [location] [mask] value*
//!         | value*   (a record inside a run: see RUN)
//! head   := bits 0-1 kind: 0 ENTER, 1 UPDATE, 2 LEAVE, 3 DELTA (an UPDATE whose
//!           integer values are deltas, below)
//!           bit 2 NEXT_ID: object = previous record's object + 1 (no object follows)
//!           bit 3 SAME_CLASS: class = previous record's class (no class follows)
//!           bit 4 ENTER: the client owns the object; UPDATE/DELTA: it moved (a
//!           location follows)
//!           bit 5 SAME_LOC: the location is the previous location carried (none follows)
//!           bit 6 SAME_MASK (with SAME_CLASS): the mask is the previous record's
//!           (none follows)
//!           bit 7 RUN (not LEAVE): a byte `more` (1-255) follows the head; the next
//!           `more` records of the part are UPDATEs (DELTAs when the run's first
//!           record is a DELTA) with NEXT_ID, SAME_CLASS and SAME_MASK and no location
//!           (head 0b0100_1101, or 0b0100_1111), and each is written as its values
//!           alone (no head byte)
//! object := zigzag varint of (object - previous record's object); "previous" is 0
//!           at the start of each part
//! class  := varint dclass number (ENTER, UPDATE and DELTA; LEAVE carries none)
//! location := parent:varint zone:varint (ENTER always, UPDATE/DELTA when moved)
//! mask   := ceil(n / 8) bytes, n = the class's state fields (`ram`/`required`, not
//!           molecular) in field-number order; bit i (byte i / 8, bit i % 8) set = the
//!           i-th state field's value follows
//! value  := the field's DC packing (its length known from the schema), in mask
//!           order; in a DELTA record, a field of integers alone (`delta_widths`:
//!           `FieldInfo::int_widths`, e.g. `int16/10 x, int16/10 y` or
//!           `uint8[3]`) is instead, per integer, the zigzag varint of
//!           (value - baseline value) taken modulo 2^(8 × width) and read as signed
//!           (a `uint16` from 65535 to 0 is +1: one byte)
//! varint := LEB128: 7 bits per byte, low group first, high bit set = more follows
//! zigzag := (v << 1) ^ (v >> 63), so small negative deltas stay one byte
//! ```
//!
//! A run of objects with consecutive ids of one class and the same changed fields
//! costs the values alone per record: `UPDATE` of one changed `uint32` is 4 bytes
//! (the first of the run: 1 (head) + 1 (more) + 1 (class) + 1 (mask) + 4, plus the
//! object delta if not consecutive; a run holds at most 256 records), and as a
//! DELTA that moved by less than 64, 1 byte.
//!
//! # Value deltas and their baseline
//!
//! The writer makes an update a DELTA when its deltas are smaller than the packed
//! values (per record: one kind bit says it, no per-field flag). The baseline is the
//! object's state at tick `tick - back`, one per part (records of objects with another
//! baseline are written packed). The server picks, per object, the newest tick whose
//! record the client acknowledged (`View::acked`): the client is then known to hold
//! exactly the server's state of that tick (acks count only packets applied whole;
//! see `server::snapshot`). The server keeps an object's integer state at the ticks it
//! wrote an update of it (8 slots by `tick % 8`, once two updates came within 32 ticks;
//! `server::past`), and encodes each object's deltas once per tick and baseline for
//! every client with that baseline; a baseline it no longer has is sent packed, as
//! is a record whose deltas come out no smaller than its values.
//!
//! The client must still have that state when the DELTA arrives, even if it applied
//! newer records since (their packets unacknowledged, or acknowledged with the ack
//! lost). It keeps each object's integer fields as of each record it applied in a
//! ring of [`DELTA_WINDOW`] slots indexed by `tick % DELTA_WINDOW`. That suffices:
//! the baseline `A` was applied (acked), a slot is overwritten only by a record at a
//! tick ≡ A (mod 32), so at least `A + 32`, and the client applies a record at tick
//! `T < A + 32` only while everything it applied is older than `T` (an older
//! record is stale: dropped, its packet not acked). So `A`'s slot still holds `A`.
//! A part whose baseline the client lacks anyway (a server bug) is dropped unacked.
//! An explicit baseline per part (one byte) costs less than one per record, and
//! objects written together are acknowledged together, so their baselines agree.

use super::server_msg::{LAST_PART, MAX_PART, SNAPSHOT_HEADER, SNAPSHOT_TYPE};
use super::varint::{put_varint, read_varint, read_varint_u32, unzigzag, zigzag};
use super::{in_msg, invalid, DecodeError};
use crate::ids::{DoId, Location};
use crate::schema::{ClassInfo, FieldKind, SchemaInfo};
use crate::time::Tick;
use crate::wire::{put_u16, put_u32, put_u8, Reader};

const ENTER: u8 = 0;
const UPDATE: u8 = 1;
const LEAVE: u8 = 2;
const DELTA: u8 = 3;
const KIND_MASK: u8 = 0b11;
const NEXT_ID: u8 = 1 << 2;
const SAME_CLASS: u8 = 1 << 3;
const FLAG: u8 = 1 << 4;
const SAME_LOC: u8 = 1 << 5;
const SAME_MASK: u8 = 1 << 6;
const RUN: u8 = 1 << 7;
/// The head every record after the first of a run has (not written).
const CONTINUE: u8 = UPDATE | NEXT_ID | SAME_CLASS | SAME_MASK;
/// The same, in a run that began with a DELTA record.
const CONTINUE_DELTA: u8 = DELTA | NEXT_ID | SAME_CLASS | SAME_MASK;

/// How far back (in ticks, exclusive) a part's delta baseline may be. The client keeps
/// its objects' integer state of the last `DELTA_WINDOW` ticks it applied a record
/// at (slot `tick % DELTA_WINDOW`), which is what makes any baseline in the window
/// available (see the module docs).
pub const DELTA_WINDOW: u32 = 32;

/// What a record says about its object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// The object is (still) in view; full state follows.
    Enter {
        /// The dclass id.
        class: u16,
        /// Where it is.
        location: Location,
        /// Whether the receiving client owns it.
        owned: bool,
    },
    /// Fields changed since the client's acknowledged state; maybe a new location.
    Update {
        /// The dclass id (as the sender knows the object).
        class: u16,
        /// The new location, if it moved.
        moved: Option<Location>,
    },
    /// The object left the client's view (deleted, moved away, interest dropped).
    Leave,
}

/// One decoded record, borrowed from its part's [`Records`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'r, 'a> {
    /// The object.
    pub object: DoId,
    /// Enter, update or leave.
    pub kind: RecordKind,
    /// An update whose integer fields ([`delta_widths`]) hold zigzag varint deltas
    /// against the object's state at the part's baseline tick, not packed values
    /// (turn them into values with [`apply_delta`]).
    pub delta: bool,
    /// `(field number, value)` pairs in field-number order. A packed value was checked
    /// by the field's `skip`; a delta value (see `delta`) by the varint reader.
    pub fields: &'r [(u16, &'a [u8])],
}

/// The decoded records of one snapshot part. Two buffers per part (the records and
/// all their fields, side by side), none per record or field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records<'a> {
    /// Object, kind, delta flag, and the end of its fields in `fields` (they start
    /// where the previous record's end).
    heads: Vec<(DoId, RecordKind, bool, u32)>,
    fields: Vec<(u16, &'a [u8])>,
}

impl<'a> Records<'a> {
    /// How many records.
    pub fn len(&self) -> usize {
        self.heads.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.heads.is_empty()
    }

    /// The `i`-th record.
    pub fn get(&self, i: usize) -> Option<Record<'_, 'a>> {
        let &(object, kind, delta, end) = self.heads.get(i)?;
        let start = match i.checked_sub(1) {
            Some(p) => self.heads.get(p).map_or(0, |h| h.3),
            None => 0,
        };
        Some(Record {
            object,
            kind,
            delta,
            fields: self.fields.get(start as usize..end as usize)?,
        })
    }

    /// The records in part order.
    pub fn iter(&self) -> RecordIter<'_, 'a> {
        RecordIter {
            heads: self.heads.iter(),
            fields: &self.fields,
            start: 0,
        }
    }
}

impl<'r, 'a> IntoIterator for &'r Records<'a> {
    type Item = Record<'r, 'a>;
    type IntoIter = RecordIter<'r, 'a>;

    fn into_iter(self) -> RecordIter<'r, 'a> {
        self.iter()
    }
}

/// The records of a [`Records`], in part order.
#[derive(Clone, Debug)]
pub struct RecordIter<'r, 'a> {
    heads: std::slice::Iter<'r, (DoId, RecordKind, bool, u32)>,
    fields: &'r [(u16, &'a [u8])],
    start: usize,
}

impl<'r, 'a> Iterator for RecordIter<'r, 'a> {
    type Item = Record<'r, 'a>;

    fn next(&mut self) -> Option<Record<'r, 'a>> {
        let &(object, kind, delta, end) = self.heads.next()?;
        let fields = self.fields.get(self.start..end as usize).unwrap_or(&[]);
        self.start = end as usize;
        Some(Record {
            object,
            kind,
            delta,
            fields,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.heads.size_hint()
    }
}

impl ExactSizeIterator for RecordIter<'_, '_> {}

/// The state fields of a class in field-number order: what the bits of a record's
/// mask stand for.
pub fn state_fields<'s>(
    schema: &'s SchemaInfo,
    class: &'s ClassInfo,
) -> impl Iterator<Item = &'s crate::schema::FieldInfo> + 's {
    class
        .fields
        .iter()
        .filter_map(|&n| schema.field(n))
        .filter(|f| f.is_state() && f.kind != FieldKind::Molecular)
}

/// The state fields of the classes a part's records name, listed once per part: a
/// class of hundreds of fields (Toontown's `DistributedToon` has 246) is not walked
/// again for each of its records. A few classes are kept; a part naming more lists
/// the others again as they come.
#[derive(Default)]
struct StateLists<'s> {
    lists: Vec<(u16, Vec<&'s crate::schema::FieldInfo>)>,
}

impl<'s> StateLists<'s> {
    /// Classes listed at once (a part rarely names more).
    const KEPT: usize = 8;

    fn of(
        &mut self,
        schema: &'s SchemaInfo,
        class: &'s ClassInfo,
    ) -> &[&'s crate::schema::FieldInfo] {
        let i = match self.lists.iter().position(|(c, _)| *c == class.number) {
            Some(i) => i,
            None => {
                if self.lists.len() == Self::KEPT {
                    self.lists.pop();
                }
                self.lists
                    .push((class.number, state_fields(schema, class).collect()));
                self.lists.len() - 1
            }
        };
        &self.lists[i].1
    }
}

/// Chained values a record may repeat from the previous one of its part.
#[derive(Clone, Copy, Debug, Default)]
struct Chain {
    object: u32,
    class: Option<u16>,
    location: Option<Location>,
    /// The writer's `prev_mask` holds the mask of the part's previous record.
    has_mask: bool,
}

/// Decodes the records of a snapshot part's body.
pub fn decode_records<'a>(
    body: &'a [u8],
    count: u16,
    schema: &SchemaInfo,
) -> Result<Records<'a>, DecodeError> {
    let mut r = Reader::new(body);
    // Each record takes at least 1 byte: refuse counts the body cannot hold.
    if usize::from(count) > body.len() {
        return Err(invalid("Snapshot", "record count exceeds the body"));
    }
    let mut out = Records {
        heads: Vec::with_capacity(usize::from(count)),
        // Most records carry a field or more.
        fields: Vec::with_capacity(usize::from(count)),
    };
    let mut chain = Chain::default();
    let mut lists = StateLists::default();
    let mut mask = None;
    let mut run = 0u8;
    let mut run_head = CONTINUE;
    for _ in 0..count {
        let head = if run > 0 {
            run -= 1;
            run_head
        } else {
            let head = r.read_u8().map_err(in_msg("Snapshot", "record"))?;
            if head & RUN != 0 {
                if head & KIND_MASK == LEAVE {
                    return Err(invalid("Snapshot", "run on a leave record"));
                }
                run = r.read_u8().map_err(in_msg("Snapshot", "run length"))?;
                if run == 0 {
                    return Err(invalid("Snapshot", "empty run"));
                }
                run_head = if head & KIND_MASK == DELTA {
                    CONTINUE_DELTA
                } else {
                    CONTINUE
                };
            }
            head
        };
        let (object, kind) = decode_record(
            &mut r,
            head,
            schema,
            &mut chain,
            &mut lists,
            &mut mask,
            &mut out.fields,
        )?;
        // A part is at most 64 KiB: its field count fits a u32.
        let end =
            u32::try_from(out.fields.len()).map_err(|_| invalid("Snapshot", "too many fields"))?;
        out.heads
            .push((object, kind, head & KIND_MASK == DELTA, end));
    }
    if run > 0 {
        return Err(invalid("Snapshot", "run beyond the record count"));
    }
    super::finish(&r, "Snapshot")?;
    Ok(out)
}

fn decode_record<'a, 's>(
    r: &mut Reader<'a>,
    head: u8,
    schema: &'s SchemaInfo,
    chain: &mut Chain,
    lists: &mut StateLists<'s>,
    prev_mask: &mut Option<&'a [u8]>,
    fields: &mut Vec<(u16, &'a [u8])>,
) -> Result<(DoId, RecordKind), DecodeError> {
    let object = if head & NEXT_ID != 0 {
        chain.object.checked_add(1)
    } else {
        let delta = unzigzag(read_varint(r, "Snapshot", "object")?);
        u32::try_from(i64::from(chain.object).wrapping_add(delta)).ok()
    }
    .ok_or_else(|| invalid("Snapshot", "object id out of range"))?;
    chain.object = object;
    let object = DoId(object);
    let kind = head & KIND_MASK;
    if kind == LEAVE {
        if head & !(KIND_MASK | NEXT_ID) != 0 {
            return Err(invalid("Snapshot", "flags on a leave record"));
        }
        return Ok((object, RecordKind::Leave));
    }
    let delta = kind == DELTA;
    let class = if head & SAME_CLASS != 0 {
        chain
            .class
            .ok_or_else(|| invalid("Snapshot", "same class as no previous record"))?
    } else {
        let c = read_varint_u32(r, "Snapshot", "class")?;
        u16::try_from(c).map_err(|_| invalid("Snapshot", "class number out of range"))?
    };
    chain.class = Some(class);
    let info = schema
        .class(class)
        .ok_or_else(|| invalid("Snapshot", "unknown class"))?;
    let has_location = kind == ENTER || head & FLAG != 0;
    let location = if has_location {
        Some(read_location(r, head, chain)?)
    } else if head & SAME_LOC != 0 {
        return Err(invalid("Snapshot", "same location on a record without one"));
    } else {
        None
    };
    let kind = match (kind, location) {
        (ENTER, Some(location)) => RecordKind::Enter {
            class,
            location,
            owned: head & FLAG != 0,
        },
        (_, moved) => RecordKind::Update { class, moved },
    };
    // (`kind` is ENTER, UPDATE or DELTA here: LEAVE returned above.)
    let state = lists.of(schema, info);
    let n = state.len();
    let mask = if head & SAME_MASK != 0 {
        match (*prev_mask, head & SAME_CLASS != 0) {
            (Some(m), true) => m,
            _ => return Err(invalid("Snapshot", "same mask without a previous one")),
        }
    } else {
        r.take(n.div_ceil(8))
            .map_err(in_msg("Snapshot", "field mask"))?
    };
    *prev_mask = Some(mask);
    read_fields(r, state, mask, delta, fields)?;
    Ok((object, kind))
}

fn read_location(r: &mut Reader<'_>, head: u8, chain: &mut Chain) -> Result<Location, DecodeError> {
    let l = if head & SAME_LOC != 0 {
        chain
            .location
            .ok_or_else(|| invalid("Snapshot", "same location as no previous record"))?
    } else {
        let parent = DoId(read_varint_u32(r, "Snapshot", "parent")?);
        let zone = read_varint_u32(r, "Snapshot", "zone")?;
        Location { parent, zone }
    };
    chain.location = Some(l);
    Ok(l)
}

fn read_fields<'a>(
    r: &mut Reader<'a>,
    state: &[&crate::schema::FieldInfo],
    mask: &[u8],
    delta: bool,
    fields: &mut Vec<(u16, &'a [u8])>,
) -> Result<(), DecodeError> {
    let n = state.len();
    if !n.is_multiple_of(8) && mask.last().is_some_and(|b| b >> (n % 8) != 0) {
        return Err(invalid(
            "Snapshot",
            "field mask names no field of the class",
        ));
    }
    // Set bits only, in order: a record of a big class names a few of its fields.
    let set = mask
        .iter()
        .enumerate()
        .flat_map(|(at, &byte)| SetBits(byte).map(move |bit| at * 8 + bit));
    for i in set {
        let Some(field) = state.get(i) else {
            break; // (bits past the class's fields were refused above)
        };
        let rest = r.rest();
        let mut value = Reader::new(rest);
        match delta_widths(field).filter(|_| delta) {
            Some(widths) => {
                for &w in widths {
                    read_delta(&mut value, w)?;
                }
            }
            None => (field.skip)(&mut value).map_err(in_msg("Snapshot", field.name))?,
        }
        let bytes = r
            .take(value.position())
            .map_err(in_msg("Snapshot", field.name))?;
        fields.push((field.number, bytes));
    }
    Ok(())
}

/// The set bits of a mask byte, lowest first.
struct SetBits(u8);

impl Iterator for SetBits {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(bit)
    }
}

/// The integer widths of a field whose values may travel as deltas: its
/// [`FieldInfo::int_widths`](crate::schema::FieldInfo::int_widths) when each is 1, 2,
/// 4 or 8 bytes and they add up to the field's fixed size; `None` for other fields
/// (they keep their DC packing in every record).
#[inline]
pub fn delta_widths(field: &crate::schema::FieldInfo) -> Option<&'static [u8]> {
    let widths = field.int_widths;
    if widths.is_empty() {
        return None;
    }
    let mut total = 0usize;
    for &w in widths {
        if !matches!(w, 1 | 2 | 4 | 8) {
            return None;
        }
        total += usize::from(w);
    }
    (field.fixed_size == Some(total)).then_some(widths)
}

/// Reads one little-endian integer of `width` bytes (at most 8) from `b`.
#[inline]
fn int_at(b: &[u8], width: usize) -> u64 {
    // (Fixed-size reads for the usual widths: no memcpy call.)
    match (width, b) {
        (1, [a, ..]) => u64::from(*a),
        (2, [a, b, ..]) => u64::from(u16::from_le_bytes([*a, *b])),
        (4, [a, b, c, d, ..]) => u64::from(u32::from_le_bytes([*a, *b, *c, *d])),
        (8, [a, b, c, d, e, f, g, h, ..]) => u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]),
        _ => {
            let mut v = [0u8; 8];
            let n = width.min(8).min(b.len());
            v[..n].copy_from_slice(&b[..n]);
            u64::from_le_bytes(v)
        }
    }
}

/// Appends the deltas of a packed `value` against `base` (both the field's fixed
/// size, integers of `widths` bytes): per integer, the zigzag varint of the
/// difference taken modulo its width and read as signed, so a `uint16` going from
/// 65535 to 0 costs one byte (+1), as does an `int64` going from `i64::MAX` to
/// `i64::MIN`.
pub fn put_delta(widths: &[u8], value: &[u8], base: &[u8], out: &mut Vec<u8>) {
    let (mut v, mut b) = (value, base);
    for &w in widths {
        let w = usize::from(w);
        let (Some((x, v_rest)), Some((y, b_rest))) = (v.split_at_checked(w), b.split_at_checked(w))
        else {
            return;
        };
        // The difference in the integer's own width, wrapping, read as signed.
        let d = match w {
            1 => i64::from((x[0].wrapping_sub(y[0])) as i8),
            2 => i64::from(i16::from_le_bytes(arr(x)).wrapping_sub(i16::from_le_bytes(arr(y)))),
            4 => i64::from(i32::from_le_bytes(arr(x)).wrapping_sub(i32::from_le_bytes(arr(y)))),
            _ => i64::from_le_bytes(arr(x)).wrapping_sub(i64::from_le_bytes(arr(y))),
        };
        put_varint(out, zigzag(d));
        (v, b) = (v_rest, b_rest);
    }
}

/// `b` as an array (zeros unless it has exactly `N` bytes).
#[inline]
fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
    <[u8; N]>::try_from(b).unwrap_or([0; N])
}

/// Reads one delta of an integer of `width` bytes, refusing one that does not fit it.
fn read_delta(r: &mut Reader<'_>, width: u8) -> Result<u64, DecodeError> {
    let z = read_varint(r, "Snapshot", "delta")?;
    if width < 8 && z >> (8 * u32::from(width)) != 0 {
        return Err(invalid("Snapshot", "delta wider than its integer"));
    }
    Ok(z)
}

/// Appends the packed value that `delta` (as [`put_delta`] writes it) makes of `base`.
pub fn apply_delta(
    widths: &[u8],
    delta: &[u8],
    base: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), DecodeError> {
    let (mut d, mut b) = (delta, base);
    for &w in widths {
        // One varint, read by hand (this is the client's per-value path).
        let mut z: u64 = 0;
        let mut shift = 0u32;
        loop {
            let Some((&byte, rest)) = d.split_first() else {
                return Err(invalid("Snapshot", "delta cut short"));
            };
            d = rest;
            if shift == 63 && byte > 1 {
                return Err(invalid("Snapshot", "varint overflows 64 bits"));
            }
            z |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 63 {
                return Err(invalid("Snapshot", "varint longer than 10 bytes"));
            }
        }
        if w < 8 && z >> (8 * u32::from(w)) != 0 {
            return Err(invalid("Snapshot", "delta wider than its integer"));
        }
        let w = usize::from(w);
        let Some((x, b_rest)) = b.split_at_checked(w) else {
            return Err(invalid("Snapshot", "delta baseline too short"));
        };
        b = b_rest;
        let v = int_at(x, w).wrapping_add(unzigzag(z) as u64);
        match w {
            1 => out.push(v as u8),
            2 => out.extend_from_slice(&(v as u16).to_le_bytes()),
            4 => out.extend_from_slice(&(v as u32).to_le_bytes()),
            _ => out.extend_from_slice(&v.to_le_bytes()),
        }
    }
    if !d.is_empty() {
        return Err(invalid("Snapshot", "bytes after the deltas"));
    }
    Ok(())
}

/// What the writer needs to write a record's header again at the start of a new part.
#[derive(Clone, Copy, Debug)]
struct Open {
    kind: u8,
    object: DoId,
    class: u16,
    location: Option<Location>,
    flag: bool,
}

/// Writes one client's snapshot for one tick as a sequence of parts, reusing its
/// buffers: no allocation per record or field (one per finished part: its payload).
#[derive(Debug)]
pub struct PartWriter {
    tick: Tick,
    max: usize,
    seq: u16,
    buf: Vec<u8>,
    part: u16,
    count: u16,
    chain: Chain,
    record_start: usize,
    body_start: usize,
    mask_at: usize,
    open: Option<Open>,
    saved_chain: Chain,
    mask_len: usize,
    prev_mask: Vec<u8>,
    present: usize,
    done_bytes: usize,
    scratch: Vec<u8>,
    done: Vec<Part>,
    run: Run,
    /// The current part's delta baseline, ticks back (0: none yet).
    part_back: u8,
    /// The open record's delta baseline, ticks back, when it may be a DELTA (else 0).
    rec_back: u8,
    /// Where the open record's values start.
    values_at: usize,
    /// The size the open record's values would have packed (while `buf` holds the
    /// integer fields as deltas).
    packed_len: usize,
    /// Integer fields written as deltas in the open record.
    deltas: usize,
    /// The open record is a DELTA whatever its content (values written encoded).
    forced: bool,
}

/// The run the next record may join (see RUN in the module docs).
#[derive(Clone, Copy, Debug, Default)]
struct Run {
    /// Where the last record of the part started, if it can start or extend a run.
    start: Option<usize>,
    /// Where the run's `more` byte is, once the run has a second record.
    more_at: Option<usize>,
    /// The head its later records have ([`CONTINUE`] or [`CONTINUE_DELTA`]).
    cont: u8,
}

/// A finished snapshot part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// Its packet sequence number.
    pub seq: u16,
    /// Its index within the tick's snapshot.
    pub part: u16,
    /// The encoded packet.
    pub payload: Vec<u8>,
}

impl PartWriter {
    /// A writer for `tick` with parts of about `max_packet_size` bytes, numbering
    /// packets from `first_seq`.
    pub fn new(tick: Tick, max_packet_size: usize, first_seq: u16) -> PartWriter {
        let mut w = PartWriter {
            tick,
            max: max_packet_size.max(SNAPSHOT_HEADER + 16),
            seq: first_seq,
            buf: Vec::with_capacity(max_packet_size.min(1 << 16)),
            part: 0,
            count: 0,
            chain: Chain::default(),
            record_start: 0,
            body_start: 0,
            mask_at: 0,
            open: None,
            saved_chain: Chain::default(),
            mask_len: 0,
            prev_mask: Vec::new(),
            present: 0,
            done_bytes: 0,
            scratch: Vec::new(),
            done: Vec::new(),
            run: Run::default(),
            part_back: 0,
            rec_back: 0,
            values_at: 0,
            packed_len: 0,
            deltas: 0,
            forced: false,
        };
        w.start_part();
        w
    }

    fn start_part(&mut self) {
        self.buf.clear();
        put_u8(&mut self.buf, SNAPSHOT_TYPE);
        put_u16(&mut self.buf, self.seq);
        put_u32(&mut self.buf, self.tick.0);
        put_u16(&mut self.buf, self.part);
        put_u16(&mut self.buf, 0);
        put_u8(&mut self.buf, 0);
        self.part_back = 0;
        self.count = 0;
        self.chain = Chain::default();
        self.run = Run::default();
    }

    /// Bytes written so far in all parts (for per-client budgets).
    pub fn bytes(&self) -> usize {
        self.done_bytes + self.buf.len()
    }

    /// Sequence number of the part being written.
    pub fn current_seq(&self) -> u16 {
        self.seq
    }

    /// Starts an enter record for an object of `class` (with `n` state fields); add
    /// fields with [`Self::field`], then [`Self::end`].
    pub fn enter(&mut self, object: DoId, class: u16, n: usize, location: Location, owned: bool) {
        self.mask_len = n.div_ceil(8);
        self.begin(Open {
            kind: ENTER,
            object,
            class,
            location: Some(location),
            flag: owned,
        });
    }

    /// Starts an update record; add fields with [`Self::field`], then [`Self::end`].
    pub fn update(&mut self, object: DoId, class: u16, n: usize, moved: Option<Location>) {
        self.mask_len = n.div_ceil(8);
        self.begin(Open {
            kind: UPDATE,
            object,
            class,
            location: moved,
            flag: moved.is_some(),
        });
    }

    /// Starts an update record whose integer fields may be sent as deltas against the
    /// object's state at tick `base` (which the client must hold: its acknowledged
    /// baseline). True when the part allows it (`base` within [`DELTA_WINDOW`] ticks
    /// before the snapshot's, and the part has no other baseline): then add the
    /// fields with [`Self::field_delta`] (integer fields) and [`Self::field`]; before
    /// [`Self::end`], [`Self::deltas_pay`] says whether the deltas came out smaller
    /// than the packed values (if not, [`Self::cancel`] and write a plain update).
    /// False: a plain [`Self::update`] was started.
    pub fn update_delta(
        &mut self,
        object: DoId,
        class: u16,
        n: usize,
        moved: Option<Location>,
        base: Tick,
    ) -> bool {
        self.update(object, class, n, moved);
        let back = self.tick.0.wrapping_sub(base.0);
        let ok = (1..DELTA_WINDOW).contains(&back)
            && (self.part_back == 0 || u32::from(self.part_back) == back);
        if ok {
            self.rec_back = back as u8;
            self.values_at = self.buf.len();
            self.packed_len = 0;
            self.deltas = 0;
        }
        ok
    }

    /// Whether the open DELTA record's values are smaller than they would be packed
    /// (true for a record without deltas).
    pub fn deltas_pay(&self) -> bool {
        self.rec_back == 0 || self.buf.len() - self.values_at < self.packed_len
    }

    /// Adds an integer field ([`delta_widths`] gives its `widths`) to a record
    /// started with [`Self::update_delta`]: its `value` and the object's `base` value
    /// (both packed, the field's fixed size).
    pub fn field_delta(&mut self, index: usize, value: &[u8], base: &[u8], widths: &[u8]) {
        if self.rec_back == 0 {
            self.field(index, value);
            return;
        }
        if let Some(b) = self.buf.get_mut(self.mask_at.wrapping_add(index / 8)) {
            *b |= 1 << (index % 8);
        }
        put_delta(widths, value, base, &mut self.buf);
        self.packed_len += value.len();
        self.deltas += 1;
        self.present += 1;
    }

    /// Adds an integer field's deltas as [`put_delta`] encodes them (`packed_len`: the
    /// field's packed size) to a record started with [`Self::update_delta`] (deltas
    /// encoded once and sent to several clients; re-encoding decoded records).
    #[inline]
    pub fn field_encoded_delta(&mut self, index: usize, delta: &[u8], packed_len: usize) {
        if let Some(b) = self.buf.get_mut(self.mask_at.wrapping_add(index / 8)) {
            *b |= 1 << (index % 8);
        }
        match delta {
            // (Most deltas are one byte: no copy call.)
            [d] => self.buf.push(*d),
            _ => self.buf.extend_from_slice(delta),
        }
        self.packed_len += packed_len;
        self.deltas += 1;
        self.present += 1;
    }

    /// Writes the record started with [`Self::update_delta`] (which returned true) as
    /// a DELTA whatever its size (re-encoding decoded records).
    pub fn force_delta(&mut self) {
        self.forced = self.rec_back != 0;
    }

    /// Writes a leave record and ends it; returns the sequence of its part.
    pub fn leave(&mut self, object: DoId) -> u16 {
        self.begin(Open {
            kind: LEAVE,
            object,
            class: 0,
            location: None,
            flag: false,
        });
        self.end()
    }

    /// Adds the value of the class's `index`-th state field to the open record
    /// (indexes in increasing order).
    pub fn field(&mut self, index: usize, value: &[u8]) {
        if let Some(b) = self.buf.get_mut(self.mask_at.wrapping_add(index / 8)) {
            *b |= 1 << (index % 8);
        }
        self.buf.extend_from_slice(value);
        self.packed_len += value.len();
        self.present += 1;
    }

    /// Fields added to the open record so far.
    pub fn fields_written(&self) -> usize {
        self.present
    }

    /// Drops the open record (e.g. an update that turned out empty).
    pub fn cancel(&mut self) {
        self.buf.truncate(self.record_start);
        self.chain = self.saved_chain;
        self.open = None;
        self.rec_back = 0;
        self.forced = false;
    }

    /// Ends the open record; returns the sequence number of the part it landed in.
    pub fn end(&mut self) -> u16 {
        if let Some(mut open) = self.open.take() {
            if self.rec_back != 0 && (self.deltas > 0 || self.forced) {
                open.kind = DELTA;
                self.buf[self.record_start] |= DELTA;
            }
            if self.buf.len() > self.max && self.count > 0 {
                // Move the record to a fresh part: its header is rewritten there (its
                // chained values referred to this part), its body moves as it is.
                self.scratch.clear();
                self.scratch.extend_from_slice(&self.buf[self.body_start..]);
                self.buf.truncate(self.record_start);
                self.flush();
                self.record_start = self.buf.len();
                self.write_head(open);
                self.body_start = self.buf.len();
                self.mask_at = self.buf.len();
                self.buf.extend_from_slice(&self.scratch);
            }
            if open.kind == DELTA {
                self.part_back = self.rec_back;
            }
            self.rec_back = 0;
            self.forced = false;
            if !self.continue_run() {
                if open.kind != LEAVE && self.mask_len > 0 {
                    self.share_mask();
                }
                self.extend_run(open.kind);
            }
        }
        self.count += 1;
        self.seq
    }

    /// The common case of a run, in one move: the record just written continues a
    /// run that has its `more` byte and room, with the previous record's mask; its
    /// head and mask go (the values stay). False (nothing changed) otherwise.
    fn continue_run(&mut self) -> bool {
        let start = self.record_start;
        let m = self.mask_len;
        let Some(at) = self.run.more_at else {
            return false;
        };
        let fits = self.buf[start] == self.run.cont & !SAME_MASK
            && m > 0
            && self.chain.has_mask
            && self.buf[at] < u8::MAX
            && self.buf[start + 1..start + 1 + m]
                .iter()
                .zip(&self.prev_mask)
                .all(|(a, b)| a == b);
        if !fits {
            return false;
        }
        self.buf[at] += 1;
        let end = self.buf.len();
        self.buf.copy_within(start + 1 + m..end, start);
        self.buf.truncate(end - 1 - m);
        true
    }

    /// Joins the record just written to the run before it when its head is
    /// [`CONTINUE`] (its head byte goes, the run's `more` counts it), else lets it
    /// start a run.
    fn extend_run(&mut self, kind: u8) {
        let head = self.buf[self.record_start];
        let joined = match (head == self.run.cont, self.run.start, self.run.more_at) {
            (true, Some(_), Some(at)) if self.buf[at] < u8::MAX => {
                self.buf.remove(self.record_start);
                self.buf[at] += 1;
                true
            }
            (true, Some(start), None) => {
                // The run gets its `more` byte after its first head (net zero bytes:
                // this record's head goes).
                self.buf[start] |= RUN;
                self.buf.insert(start + 1, 1);
                self.buf.remove(self.record_start + 1);
                self.run.more_at = Some(start + 1);
                true
            }
            _ => false,
        };
        if !joined {
            self.run = Run {
                start: (kind != LEAVE).then_some(self.record_start),
                more_at: None,
                cont: if kind == DELTA {
                    CONTINUE_DELTA
                } else {
                    CONTINUE
                },
            };
        }
    }

    /// Drops the open record's mask when it repeats the previous record's (same class).
    fn share_mask(&mut self) {
        let at = self.mask_at..self.mask_at + self.mask_len;
        let same_class = self.buf[self.record_start] & SAME_CLASS != 0;
        // (A byte loop: masks are a byte or two, a memcmp call costs more.)
        let same = same_class
            && self.chain.has_mask
            && self.buf[at.clone()]
                .iter()
                .zip(&self.prev_mask)
                .all(|(a, b)| a == b);
        if same {
            self.buf.drain(at);
            self.buf[self.record_start] |= SAME_MASK;
        } else {
            self.prev_mask.clear();
            self.prev_mask.extend_from_slice(&self.buf[at]);
            self.chain.has_mask = true;
        }
    }

    fn begin(&mut self, open: Open) {
        if self.count == u16::MAX {
            self.flush();
        }
        self.rec_back = 0;
        self.forced = false;
        self.record_start = self.buf.len();
        self.saved_chain = self.chain;
        self.open = Some(open);
        self.present = 0;
        self.write_head(open);
        self.body_start = self.buf.len();
        self.mask_at = usize::MAX;
        if open.kind != LEAVE {
            self.mask_at = self.buf.len();
            self.buf.resize(self.buf.len() + self.mask_len, 0);
        }
    }

    fn write_head(&mut self, o: Open) {
        let mut head = o.kind;
        let next = self.chain.object.checked_add(1) == Some(o.object.0);
        if next {
            head |= NEXT_ID;
        }
        let same_class = o.kind != LEAVE && self.chain.class == Some(o.class);
        if same_class {
            head |= SAME_CLASS;
        }
        if o.flag {
            head |= FLAG;
        }
        let same_loc = o.location.is_some() && self.chain.location == o.location;
        if same_loc {
            head |= SAME_LOC;
        }
        put_u8(&mut self.buf, head);
        if !next {
            let delta = i64::from(o.object.0) - i64::from(self.chain.object);
            put_varint(&mut self.buf, zigzag(delta));
        }
        self.chain.object = o.object.0;
        if o.kind != LEAVE {
            if !same_class {
                put_varint(&mut self.buf, u64::from(o.class));
            }
            self.chain.class = Some(o.class);
        }
        if let Some(l) = o.location {
            if !same_loc {
                put_varint(&mut self.buf, u64::from(l.parent.0));
                put_varint(&mut self.buf, u64::from(l.zone));
            }
            self.chain.location = Some(l);
        }
    }

    fn flush(&mut self) {
        self.buf[9..11].copy_from_slice(&self.count.to_le_bytes());
        self.buf[11] = self.part_back;
        let mut payload = Vec::with_capacity(self.buf.len());
        payload.extend_from_slice(&self.buf);
        self.done_bytes += payload.len();
        self.done.push(Part {
            seq: self.seq,
            part: self.part,
            payload,
        });
        self.part = (self.part + 1).min(MAX_PART);
        self.seq = self.seq.wrapping_add(1);
        self.start_part();
    }

    /// Finishes and returns every non-empty part; with `complete`, the final one is
    /// flagged as the tick's last (a snapshot cut short by the byte budget is not
    /// complete: no part is flagged). With `keepalive`, an empty snapshot yields one
    /// empty part (acked like any part, it keeps the server's RTT estimate fresh).
    pub fn finish(mut self, keepalive: bool, complete: bool) -> Vec<Part> {
        if self.count > 0 || (keepalive && self.done.is_empty()) {
            self.flush();
        }
        if let (true, Some(p)) = (complete, self.done.last_mut()) {
            let flagged = p.part.min(MAX_PART) | LAST_PART;
            p.payload[7..9].copy_from_slice(&flagged.to_le_bytes());
        }
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ServerMessage;
    use crate::testing::{AVATAR, SCHEMA};

    fn decoded(parts: &[Part]) -> Vec<(u16, bool, Records<'_>)> {
        parts
            .iter()
            .map(|p| match ServerMessage::decode(&p.payload).unwrap() {
                ServerMessage::Snapshot {
                    seq,
                    part,
                    last,
                    count,
                    body,
                    ..
                } => {
                    assert_eq!((seq, part), (p.seq, p.part));
                    (seq, last, decode_records(body, count, &SCHEMA).unwrap())
                }
                other => panic!("not a snapshot: {}", other.name()),
            })
            .collect()
    }

    #[test]
    fn only_the_final_part_is_flagged_last() {
        let mut w = PartWriter::new(Tick(9), 64, 65534);
        for i in 0..60 {
            w.leave(DoId(i * 1000));
        }
        let parts = w.finish(true, true);
        let d = decoded(&parts);
        assert!(d.len() > 2);
        let (last, rest) = d.split_last().unwrap();
        assert!(last.1);
        assert!(rest.iter().all(|p| !p.1));
        // Sequence numbers count up across parts and wrap.
        assert_eq!(d[0].0, 65534);
        assert_eq!(d[2].0, 0);
        let ids: Vec<u32> = d
            .iter()
            .flat_map(|p| p.2.iter().map(|r| r.object.0))
            .collect();
        assert_eq!(ids, (0..60).map(|i| i * 1000).collect::<Vec<_>>());
        // An empty keepalive snapshot is one whole part.
        let empty = PartWriter::new(Tick(9), 64, 3).finish(true, true);
        assert!(decoded(&empty)[0].1);
    }

    #[test]
    fn a_cut_snapshot_flags_no_part() {
        let mut w = PartWriter::new(Tick(9), 64, 0);
        for i in 0..30 {
            w.leave(DoId(i));
        }
        let parts = w.finish(false, false);
        assert!(decoded(&parts).iter().all(|p| !p.1));
    }

    #[test]
    fn records_round_trip_with_chains_across_parts() {
        let class = SCHEMA.class(AVATAR).unwrap();
        let n = state_fields(&SCHEMA, class).count();
        let fields: Vec<_> = state_fields(&SCHEMA, class).collect();
        let loc = Location::zone(7);
        let mut w = PartWriter::new(Tick(3), 100, 0);
        let mut expect = Vec::new();
        for i in 0..20u32 {
            let id = DoId(100 + i);
            if i % 3 == 0 {
                w.enter(id, AVATAR, n, loc, i == 3);
                for (k, f) in fields.iter().enumerate() {
                    w.field(k, f.default);
                }
            } else {
                let moved = (i % 3 == 2).then_some(Location::zone(i));
                w.update(id, AVATAR, n, moved);
                w.field(n - 1, fields[n - 1].default);
            }
            w.end();
            expect.push(id);
        }
        w.leave(DoId(5));
        expect.push(DoId(5));
        let parts = w.finish(false, true);
        assert!(parts.len() > 3, "{} parts", parts.len());
        let d = decoded(&parts);
        let recs: Vec<Record<'_, '_>> = d.iter().flat_map(|p| p.2.iter()).collect();
        assert_eq!(recs.iter().map(|r| r.object).collect::<Vec<_>>(), expect);
        for (i, r) in recs.iter().take(20).enumerate() {
            match r.kind {
                RecordKind::Enter {
                    class,
                    location,
                    owned,
                } => {
                    assert_eq!((class, location, owned), (AVATAR, loc, i == 3));
                    assert_eq!(r.fields.len(), n);
                }
                RecordKind::Update { moved, .. } => {
                    assert_eq!(moved, (i % 3 == 2).then_some(Location::zone(i as u32)));
                    assert_eq!(
                        r.fields,
                        vec![(fields[n - 1].number, fields[n - 1].default)]
                    );
                }
                RecordKind::Leave => panic!("record {i} is a leave"),
            }
        }
        assert_eq!(recs[20].kind, RecordKind::Leave);
    }

    #[test]
    fn a_run_of_updates_costs_head_mask_and_value() {
        let class = SCHEMA.class(AVATAR).unwrap();
        let n = state_fields(&SCHEMA, class).count();
        let mut w = PartWriter::new(Tick(3), 1200, 0);
        w.update(DoId(1), AVATAR, n, None);
        w.field(3, &[1, 0]);
        w.end();
        let first = w.bytes();
        w.update(DoId(2), AVATAR, n, None);
        w.field(3, &[2, 0]);
        w.end();
        // The id follows the previous one, class and mask repeat, so the record joins
        // a run: the run's `more` byte (after the first record's head) replaces its head.
        assert_eq!(w.bytes() - first, 3);
        w.update(DoId(3), AVATAR, n, None);
        w.field(3, &[3, 0]);
        w.end();
        // The int16 alone.
        assert_eq!(w.bytes() - first, 5);
        w.update(DoId(4), AVATAR, n, None);
        w.field(2, &[0; 12]);
        w.end();
        // A different mask is written: head + mask + 3 × int32.
        assert_eq!(w.bytes() - first - 5, 14);
    }

    #[test]
    fn runs_cost_the_values_alone_and_round_trip() {
        let class = SCHEMA.class(AVATAR).unwrap();
        let n = state_fields(&SCHEMA, class).count();
        let number = state_fields(&SCHEMA, class).nth(n - 1).unwrap().number;
        // 600 consecutive updates of one int16 field: runs of 256 at most, so three.
        let mut w = PartWriter::new(Tick(3), 100_000, 0);
        for i in 0..600u32 {
            w.update(DoId(1000 + i), AVATAR, n, None);
            w.field(n - 1, &(i as u16).to_le_bytes());
            w.end();
        }
        let first = 1 + 1 + 2 + 1 + 1 + 2; // head, more, id, class, mask, value
        let header = SNAPSHOT_HEADER;
        // Later runs start with head + more (id, class and mask chained).
        assert_eq!(w.bytes(), header + first + 599 * 2 + 2 * 2);
        let parts = w.finish(false, true);
        let d = decoded(&parts);
        let recs = &d[0].2;
        assert_eq!(recs.len(), 600);
        for (i, r) in recs.iter().enumerate() {
            assert_eq!(r.object, DoId(1000 + i as u32));
            assert_eq!(
                r.kind,
                RecordKind::Update {
                    class: AVATAR,
                    moved: None
                }
            );
            assert_eq!(r.fields, vec![(number, &(i as u16).to_le_bytes()[..])]);
        }
        // A leave or a moved object ends a run; an update after it starts a new one.
        let mut w = PartWriter::new(Tick(3), 100_000, 0);
        for i in 0..6u32 {
            if i == 2 {
                w.leave(DoId(7));
                continue;
            }
            let moved = (i == 4).then_some(Location::zone(3));
            w.update(DoId(10 + i), AVATAR, n, moved);
            w.field(n - 1, &[i as u8, 0]);
            w.end();
        }
        let parts = w.finish(false, true);
        let ids: Vec<_> = decoded(&parts)[0].2.iter().map(|r| r.object.0).collect();
        assert_eq!(ids, [10, 11, 7, 13, 14, 15]);
    }

    /// `put_delta` then `apply_delta`: the value back, and the delta's size.
    fn delta_round_trip(widths: &[u8], value: &[u8], base: &[u8]) -> usize {
        let mut d = Vec::new();
        put_delta(widths, value, base, &mut d);
        let mut back = Vec::new();
        apply_delta(widths, &d, base, &mut back).unwrap();
        assert_eq!(back, value, "{widths:?} {value:?} against {base:?}");
        d.len()
    }

    #[test]
    fn deltas_are_zigzag_varints_modulo_each_integers_width() {
        let le = |v: i64, w: usize| v.to_le_bytes()[..w].to_vec();
        // Small steps either way: one byte per integer, any width.
        for w in [1u8, 2, 4, 8] {
            let n = usize::from(w);
            assert_eq!(delta_round_trip(&[w], &le(5, n), &le(3, n)), 1);
            assert_eq!(delta_round_trip(&[w], &le(-3, n), &le(5, n)), 1);
            assert_eq!(delta_round_trip(&[w], &le(63, n), &le(0, n)), 1);
            assert_eq!(delta_round_trip(&[w], &le(64, n), &le(0, n)), 2);
        }
        // Wrapping: uint16 65535 -> 0 is +1, uint8 0 -> 255 is -1, int64 MAX -> MIN +1.
        assert_eq!(delta_round_trip(&[2], &[0, 0], &[0xFF, 0xFF]), 1);
        assert_eq!(delta_round_trip(&[1], &[0xFF], &[0]), 1);
        let (max, min) = (i64::MAX.to_le_bytes(), i64::MIN.to_le_bytes());
        assert_eq!(delta_round_trip(&[8], &min, &max), 1);
        assert_eq!(delta_round_trip(&[8], &max, &min), 1);
        // The worst cases: half the range away, 10 bytes for an int64, 3 for 16 bits.
        assert_eq!(delta_round_trip(&[8], &min, &[0; 8]), 10);
        assert_eq!(delta_round_trip(&[8], &max, &[0; 8]), 10);
        assert_eq!(delta_round_trip(&[2], &[0, 0x80], &[0, 0]), 3);
        assert_eq!(delta_round_trip(&[4], &u32::MAX.to_le_bytes(), &[0; 4]), 1);
        // Several integers of mixed widths, random values.
        let widths = [1u8, 2, 4, 8, 2];
        let mut rng = crate::sim::Rng::new(5);
        for _ in 0..2000 {
            let v: Vec<u8> = (0..17).map(|_| rng.next_u64() as u8).collect();
            let b: Vec<u8> = (0..17).map(|_| rng.next_u64() as u8).collect();
            assert!(delta_round_trip(&widths, &v, &b) <= 3 + 3 + 5 + 10 + 3 - 1 + 1);
        }
        // A delta wider than its integer, a cut one, one too many: errors.
        let mut out = Vec::new();
        assert!(apply_delta(&[1], &[0x80, 0x02], &[0], &mut out).is_err()); // 256
        assert!(apply_delta(&[2], &[0x80], &[0, 0], &mut out).is_err());
        assert!(apply_delta(&[2], &[1, 1], &[0, 0], &mut out).is_err());
        assert!(apply_delta(&[4], &[1], &[0, 0], &mut out).is_err()); // short base
    }

    #[test]
    fn delta_records_carry_their_baseline_and_cost_less() {
        let class = SCHEMA.class(AVATAR).unwrap();
        let n = state_fields(&SCHEMA, class).count();
        let fields: Vec<_> = state_fields(&SCHEMA, class).collect();
        let pos = fields[n - 2];
        assert_eq!(delta_widths(pos), Some(&[4u8, 4, 4][..]));
        assert_eq!(delta_widths(fields[0]), None, "setName is a string");
        let packed = |t: i32| {
            [t, t.wrapping_neg(), t.wrapping_add(1000)]
                .map(i32::to_le_bytes)
                .concat()
        };
        let mut w = PartWriter::new(Tick(100), 1200, 0);
        // Two objects against tick 97: a DELTA run (3 bytes of values each after the first).
        for id in [1, 2] {
            assert!(w.update_delta(DoId(id), AVATAR, n, None, Tick(97)));
            w.field(0, &[1, 0, b'x']);
            w.field_delta(n - 2, &packed(100), &packed(97), pos.int_widths);
            w.end();
        }
        let two = w.bytes();
        // head, more, class, mask (id 1 follows 0), 3 deltas, the name; then the values.
        assert_eq!(two, SNAPSHOT_HEADER + (1 + 1 + 1 + 1 + 3 + 3) + (3 + 3));
        // Another baseline in the same part: written packed.
        assert!(!w.update_delta(DoId(3), AVATAR, n, None, Tick(98)));
        w.field(n - 2, &packed(100));
        w.end();
        // Deltas not smaller than the values do not pay: written packed (an UPDATE).
        assert!(w.update_delta(DoId(4), AVATAR, n, None, Tick(97)));
        w.field_delta(n - 2, &packed(i32::MAX), &packed(0), pos.int_widths);
        assert!(!w.deltas_pay());
        w.cancel();
        w.update(DoId(4), AVATAR, n, None);
        w.field(n - 2, &packed(i32::MAX));
        assert!(w.deltas_pay());
        w.end();
        // Out of the window: no deltas.
        assert!(!w.update_delta(DoId(5), AVATAR, n, None, Tick(100 - DELTA_WINDOW)));
        w.cancel();
        let parts = w.finish(false, true);
        assert_eq!(parts[0].payload[11], 3, "baseline 3 ticks back");
        let d = decoded(&parts);
        let recs: Vec<_> = d[0].2.iter().collect();
        assert_eq!(
            recs.iter().map(|r| r.delta).collect::<Vec<_>>(),
            [true, true, false, false]
        );
        for r in &recs[..2] {
            let (number, delta) = r.fields[1];
            assert_eq!(number, pos.number);
            let mut v = Vec::new();
            apply_delta(pos.int_widths, delta, &packed(97), &mut v).unwrap();
            assert_eq!(v, packed(100));
            assert_eq!(r.fields[0], (fields[0].number, &[1, 0, b'x'][..]));
        }
        assert_eq!(recs[2].fields[0].1, packed(100));
        assert_eq!(recs[3].fields[0].1, packed(i32::MAX));
        // A DELTA record that does not fit moves to a new part with its baseline.
        let mut w = PartWriter::new(Tick(100), 40, 0);
        for id in 0..6 {
            assert!(w.update_delta(DoId(id * 10), AVATAR, n, None, Tick(99)));
            w.field(0, &[8, 0, b'l', b'o', b'n', b'g', b'e', b'r', b'!', b'!']);
            w.field_delta(n - 2, &packed(100), &packed(99), pos.int_widths);
            w.end();
        }
        let parts = w.finish(false, true);
        assert!(parts.len() > 2);
        for p in &parts {
            assert_eq!(p.payload[11], 1);
        }
        assert!(decoded(&parts).iter().all(|p| p.2.iter().all(|r| r.delta)));
    }

    #[test]
    fn malformed_bodies_are_errors() {
        let bad: &[(&[u8], u16)] = &[
            (&[3, 0], 1),                  // kind 3
            (&[0x40, 0], 1),               // same mask without a previous one
            (&[0x80 | 2, 1, 2], 2),        // run on a leave
            (&[0x80 | 1, 0, 2, 2, 0], 1),  // empty run
            (&[0x80 | 1, 2, 2, 2, 0], 1),  // run beyond the record count
            (&[0x08 | 1, 2], 1),           // same class with no previous record
            (&[0x20 | 1 | 0x10, 2, 2], 1), // same location with none before
            (&[1, 2, 99, 0], 1),           // unknown class
            (&[1, 2, 2, 0xF0], 1),         // mask bit beyond the class's fields
            (&[2 | 0x10, 2], 1),           // flags on a leave
            (&[2, 2], 5),                  // count beyond the body
            (&[2, 1], 1),                  // object id -1
            (&[1, 2, 2, 0x01], 1),         // value missing
        ];
        for (body, count) in bad {
            assert!(
                decode_records(body, *count, &SCHEMA).is_err(),
                "{body:?} decoded"
            );
        }
    }

    type Owned = Vec<(DoId, RecordKind, bool, Vec<(u16, Vec<u8>)>)>;

    fn owned(records: &Records<'_>) -> Owned {
        records
            .iter()
            .map(|r| {
                let f = r.fields.iter().map(|(n, v)| (*n, v.to_vec())).collect();
                (r.object, r.kind, r.delta, f)
            })
            .collect()
    }

    /// Encodes decoded records again with the writer (small parts: chains restart).
    fn reencode(records: &Records<'_>) -> Owned {
        let mut w = PartWriter::new(Tick(30), 80, 0);
        for r in records {
            let (class, n) = match r.kind {
                RecordKind::Leave => {
                    w.leave(r.object);
                    continue;
                }
                RecordKind::Enter {
                    class,
                    location,
                    owned,
                } => {
                    let n = state_fields(&SCHEMA, SCHEMA.class(class).unwrap()).count();
                    w.enter(r.object, class, n, location, owned);
                    (class, n)
                }
                RecordKind::Update { class, moved } => {
                    let n = state_fields(&SCHEMA, SCHEMA.class(class).unwrap()).count();
                    if r.delta {
                        assert!(w.update_delta(r.object, class, n, moved, Tick(29)));
                        w.force_delta();
                    } else {
                        w.update(r.object, class, n, moved);
                    }
                    (class, n)
                }
            };
            let fields: Vec<_> = state_fields(&SCHEMA, SCHEMA.class(class).unwrap()).collect();
            assert_eq!(fields.len(), n);
            for (i, f) in fields.iter().enumerate() {
                if let Some((_, v)) = r.fields.iter().find(|(num, _)| *num == f.number) {
                    if r.delta && delta_widths(f).is_some() {
                        w.field_encoded_delta(i, v, f.fixed_size.unwrap_or(0));
                    } else {
                        w.field(i, v);
                    }
                }
            }
            w.end();
        }
        let parts = w.finish(false, true);
        decoded(&parts).iter().flat_map(|p| owned(&p.2)).collect()
    }

    #[test]
    fn mutated_bodies_fail_cleanly_or_reencode_to_the_same_records() {
        let class = SCHEMA.class(AVATAR).unwrap();
        let n = state_fields(&SCHEMA, class).count();
        let fields: Vec<_> = state_fields(&SCHEMA, class).collect();
        let mut w = PartWriter::new(Tick(30), 4000, 0);
        for i in 0..40u32 {
            let id = DoId(10 + i * (i % 3));
            if i % 8 == 1 {
                // DELTA records (a run of two), of the int32 × 3 and the int16.
                for id in [id, DoId(id.0 + 1)] {
                    assert!(w.update_delta(id, AVATAR, n, None, Tick(29)));
                    let d = (i as i32).to_le_bytes();
                    w.field_delta(n - 2, &[d, d, d].concat(), &[0; 12], &[4, 4, 4]);
                    w.field_delta(n - 1, &[1, 2], &[0, 2], &[2]);
                    w.end();
                }
                continue;
            }
            match i % 4 {
                0 => {
                    w.enter(id, AVATAR, n, Location::zone(i % 2), false);
                    for (k, f) in fields.iter().enumerate() {
                        w.field(k, f.default);
                    }
                    w.end();
                }
                3 => {
                    w.leave(id);
                }
                _ => {
                    w.update(id, AVATAR, n, (i % 5 == 0).then_some(Location::zone(2)));
                    w.field(n - 1, fields[n - 1].default);
                    w.end();
                }
            }
        }
        let parts = w.finish(false, true);
        let payload = &parts[0].payload;
        let (count, body) = (
            u16::from_le_bytes([payload[9], payload[10]]),
            &payload[SNAPSHOT_HEADER..],
        );
        assert_eq!(payload[11], 1, "the deltas' baseline is one tick back");
        assert!(decode_records(body, count, &SCHEMA)
            .unwrap()
            .iter()
            .any(|r| r.delta));
        let mut rng = crate::sim::Rng::new(12);
        let mut accepted = 0;
        for _ in 0..3000 {
            let mut b = body.to_vec();
            for _ in 0..=rng.below(2) {
                let at = rng.below(b.len() as u64) as usize;
                b[at] = rng.next_u64() as u8;
            }
            if let Ok(records) = decode_records(&b, count, &SCHEMA) {
                accepted += 1;
                assert_eq!(reencode(&records), owned(&records));
            }
        }
        assert!(accepted > 100, "{accepted} mutants decoded");
    }
}
