//! Snapshot packets: records of objects entering, changing and leaving a client's view.
//!
//! A snapshot for one client at one tick is split into parts of at most
//! `max_packet_size` bytes (a part holds at least one record). Each part stands alone:
//! the client applies each record by itself and acks each part, so losing one part
//! costs only the records in it. The header's part index has bit 15 set on the
//! tick's final part, so a client holding every part up to it knows the tick's whole
//! snapshot. Layout after the part header:
//!
//! ```text
//! record := kind:u8 object:u32 body
//! ENTER  body := class:u16 parent:u32 zone:u32 flags:u8(bit0 owned) n:u16 field*n
//! UPDATE body := flags:u8(bit0 moved) [parent:u32 zone:u32] n:u16 field*n
//! LEAVE  body := (empty)
//! field  := number:u16 value (DC-packed, its length known from the schema)
//! ```

use super::server_msg::{LAST_PART, MAX_PART, SNAPSHOT_HEADER, SNAPSHOT_TYPE};
use super::{in_msg, invalid, DecodeError};
use crate::ids::{DoId, Location};
use crate::schema::SchemaInfo;
use crate::time::Tick;
use crate::wire::{put_u16, put_u32, put_u8, Reader};

const ENTER: u8 = 0;
const UPDATE: u8 = 1;
const LEAVE: u8 = 2;

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
        /// The new location, if it moved.
        moved: Option<Location>,
    },
    /// The object left the client's view (deleted, moved away, interest dropped).
    Leave,
}

/// One decoded record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// The object.
    pub object: DoId,
    /// Enter, update or leave.
    pub kind: RecordKind,
    /// `(field number, packed value)` pairs; each value was checked by the field's `skip`.
    pub fields: Vec<(u16, &'a [u8])>,
}

/// Decodes the records of a snapshot part's body.
pub fn decode_records<'a>(
    body: &'a [u8],
    count: u16,
    schema: &SchemaInfo,
) -> Result<Vec<Record<'a>>, DecodeError> {
    let mut r = Reader::new(body);
    // Each record takes at least 5 bytes: refuse counts the body cannot hold.
    if usize::from(count) * 5 > body.len() {
        return Err(invalid("Snapshot", "record count exceeds the body"));
    }
    let mut out = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        out.push(decode_record(&mut r, schema)?);
    }
    super::finish(&r, "Snapshot")?;
    Ok(out)
}

fn decode_record<'a>(r: &mut Reader<'a>, schema: &SchemaInfo) -> Result<Record<'a>, DecodeError> {
    let e = in_msg("Snapshot", "record");
    let kind = r.read_u8().map_err(&e)?;
    let object = DoId(r.read_u32().map_err(&e)?);
    let kind = match kind {
        ENTER => {
            let class = r.read_u16().map_err(&e)?;
            let location = read_location(r)?;
            let flags = r.read_u8().map_err(&e)?;
            RecordKind::Enter {
                class,
                location,
                owned: flags & 1 != 0,
            }
        }
        UPDATE => {
            let flags = r.read_u8().map_err(&e)?;
            let moved = if flags & 1 != 0 {
                Some(read_location(r)?)
            } else {
                None
            };
            RecordKind::Update { moved }
        }
        LEAVE => {
            return Ok(Record {
                object,
                kind: RecordKind::Leave,
                fields: Vec::new(),
            })
        }
        _ => return Err(invalid("Snapshot", "unknown record kind")),
    };
    let n = usize::from(r.read_u16().map_err(&e)?);
    if n * 2 > r.remaining() {
        return Err(invalid("Snapshot", "field count exceeds the body"));
    }
    let mut fields = Vec::with_capacity(n);
    for _ in 0..n {
        let number = r.read_u16().map_err(in_msg("Snapshot", "field number"))?;
        let field = schema
            .field(number)
            .ok_or_else(|| invalid("Snapshot", "unknown field number"))?;
        let rest = r.rest();
        let mut value = Reader::new(rest);
        (field.skip)(&mut value).map_err(in_msg("Snapshot", field.name))?;
        let len = value.position();
        let bytes = r.take(len).map_err(in_msg("Snapshot", field.name))?;
        fields.push((number, bytes));
    }
    Ok(Record {
        object,
        kind,
        fields,
    })
}

fn read_location(r: &mut Reader<'_>) -> Result<Location, DecodeError> {
    let e = in_msg("Snapshot", "location");
    let parent = DoId(r.read_u32().map_err(&e)?);
    let zone = r.read_u32().map_err(&e)?;
    Ok(Location { parent, zone })
}

/// Writes one client's snapshot for one tick as a sequence of parts.
#[derive(Debug)]
pub struct PartWriter {
    tick: Tick,
    max: usize,
    buf: Vec<u8>,
    part: u16,
    count: u16,
    record_start: usize,
    field_count_at: usize,
    field_count: u16,
    done: Vec<(u16, Vec<u8>)>,
}

impl PartWriter {
    /// A writer for `tick` with parts of about `max_packet_size` bytes.
    pub fn new(tick: Tick, max_packet_size: usize) -> PartWriter {
        let mut w = PartWriter {
            tick,
            max: max_packet_size.max(SNAPSHOT_HEADER + 16),
            buf: Vec::new(),
            part: 0,
            count: 0,
            record_start: 0,
            field_count_at: 0,
            field_count: 0,
            done: Vec::new(),
        };
        w.start_part();
        w
    }

    fn start_part(&mut self) {
        self.buf.clear();
        put_u8(&mut self.buf, SNAPSHOT_TYPE);
        put_u32(&mut self.buf, self.tick.0);
        put_u16(&mut self.buf, self.part);
        put_u16(&mut self.buf, 0);
        self.count = 0;
    }

    /// Bytes written so far in all parts (for per-client budgets).
    pub fn bytes(&self) -> usize {
        self.done.iter().map(|(_, b)| b.len()).sum::<usize>() + self.buf.len()
    }

    /// The part the next record goes to (it may still move to a new part when full).
    pub fn current_part(&self) -> u16 {
        self.part
    }

    /// Starts an enter record; add fields with [`Self::field`], then [`Self::end`].
    pub fn enter(&mut self, object: DoId, class: u16, location: Location, owned: bool) {
        self.begin(ENTER, object);
        put_u16(&mut self.buf, class);
        put_location(&mut self.buf, location);
        put_u8(&mut self.buf, u8::from(owned));
        self.begin_fields();
    }

    /// Starts an update record; add fields with [`Self::field`], then [`Self::end`].
    pub fn update(&mut self, object: DoId, moved: Option<Location>) {
        self.begin(UPDATE, object);
        match moved {
            Some(l) => {
                put_u8(&mut self.buf, 1);
                put_location(&mut self.buf, l);
            }
            None => put_u8(&mut self.buf, 0),
        }
        self.begin_fields();
    }

    /// Writes a leave record and ends it.
    pub fn leave(&mut self, object: DoId) -> u16 {
        self.begin(LEAVE, object);
        self.field_count_at = usize::MAX;
        self.end()
    }

    /// Adds a field value to the open record.
    pub fn field(&mut self, number: u16, value: &[u8]) {
        put_u16(&mut self.buf, number);
        self.buf.extend_from_slice(value);
        self.field_count = self.field_count.saturating_add(1);
    }

    /// Drops the open record (e.g. an update that turned out empty).
    pub fn cancel(&mut self) {
        self.buf.truncate(self.record_start);
    }

    /// Ends the open record; returns the part it landed in.
    pub fn end(&mut self) -> u16 {
        if self.field_count_at != usize::MAX {
            let at = self.field_count_at;
            self.buf[at..at + 2].copy_from_slice(&self.field_count.to_le_bytes());
        }
        if self.buf.len() > self.max && self.count > 0 {
            let tail = self.buf.split_off(self.record_start);
            self.flush();
            self.buf.extend_from_slice(&tail);
        }
        self.count += 1;
        self.part
    }

    fn begin(&mut self, kind: u8, object: DoId) {
        if self.count == u16::MAX {
            self.flush();
        }
        self.record_start = self.buf.len();
        put_u8(&mut self.buf, kind);
        put_u32(&mut self.buf, object.0);
    }

    fn begin_fields(&mut self) {
        self.field_count_at = self.buf.len();
        self.field_count = 0;
        put_u16(&mut self.buf, 0);
    }

    fn flush(&mut self) {
        self.buf[7..9].copy_from_slice(&self.count.to_le_bytes());
        let bytes = std::mem::take(&mut self.buf);
        self.done.push((self.part, bytes));
        self.part = (self.part + 1).min(MAX_PART);
        self.start_part();
    }

    /// Finishes and returns `(part number, packet bytes)` for every non-empty part;
    /// with `complete`, the final one is flagged as the tick's last (a snapshot cut
    /// short by the byte budget is not complete: no part is flagged). With
    /// `keepalive`, an empty snapshot yields one empty part (acked like any part, it
    /// keeps the server's RTT estimate fresh).
    pub fn finish(mut self, keepalive: bool, complete: bool) -> Vec<(u16, Vec<u8>)> {
        if self.count > 0 || (keepalive && self.done.is_empty()) {
            self.flush();
        }
        if let (true, Some((part, bytes))) = (complete, self.done.last_mut()) {
            let flagged = (*part).min(MAX_PART) | LAST_PART;
            bytes[5..7].copy_from_slice(&flagged.to_le_bytes());
        }
        self.done
    }
}

fn put_location(out: &mut Vec<u8>, l: Location) {
    put_u32(out, l.parent.0);
    put_u32(out, l.zone);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ServerMessage;

    fn parts_of(w: PartWriter) -> Vec<(u16, bool, u16)> {
        w.finish(true, true)
            .iter()
            .map(|(n, bytes)| match ServerMessage::decode(bytes).unwrap() {
                ServerMessage::Snapshot {
                    part, last, count, ..
                } => {
                    assert_eq!(part, *n);
                    (part, last, count)
                }
                other => panic!("not a snapshot: {}", other.name()),
            })
            .collect()
    }

    #[test]
    fn only_the_final_part_is_flagged_last() {
        let mut w = PartWriter::new(Tick(9), 64);
        for i in 0..30 {
            w.leave(DoId(i));
        }
        let parts = parts_of(w);
        assert!(parts.len() > 2, "{parts:?}");
        let (last, rest) = parts.split_last().unwrap();
        assert!(last.1, "final part flagged: {parts:?}");
        assert!(rest.iter().all(|p| !p.1), "{parts:?}");
        assert_eq!(parts.iter().map(|p| p.2).sum::<u16>(), 30);
        // An empty keepalive snapshot is one whole part.
        assert_eq!(parts_of(PartWriter::new(Tick(9), 64)), vec![(0, true, 0)]);
    }

    #[test]
    fn a_cut_snapshot_flags_no_part() {
        let mut w = PartWriter::new(Tick(9), 64);
        for i in 0..30 {
            w.leave(DoId(i));
        }
        let parts = w.finish(false, false);
        assert!(parts.len() > 2);
        for (_, bytes) in &parts {
            match ServerMessage::decode(bytes).unwrap() {
                ServerMessage::Snapshot { last, .. } => assert!(!last),
                other => panic!("{other:?}"),
            }
        }
    }
}
