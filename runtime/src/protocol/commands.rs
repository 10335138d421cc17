//! Input commands (client → server) and their acknowledgement (server → client).
//!
//! # Layout (protocol version 4, unchanged in 5 and 6)
//!
//! ```text
//! Commands   := type:u8(=9) object:u32 field:u16 newest:u32 count:u8 fresh:u8 command*count
//!               (the commands numbered newest-count+1 ..= newest, oldest first; each is
//!               the field's DC packing, its length found by the field's schema; the
//!               last `fresh` of them are sent for the first time, the others repeated)
//! CommandAck := type:u8(=9) tick:u32 object:u32 last:u32 n:u8 (field:u16 value:blob16)*n
//!               (the last command applied to the object by the end of `tick`, and the
//!               object's `predicted` state fields at that moment)
//! ```
//!
//! Each `Commands` packet repeats the newest commands the server has not acknowledged
//! (up to [`MAX_COMMANDS_PER_PACKET`]), so a lost packet costs nothing when a later one
//! arrives: the server applies each number once, in order.

use super::{in_msg, invalid, DecodeError};
use crate::ids::DoId;
use crate::time::Tick;
use crate::wire::{put_blob16, put_u16, put_u32, put_u8, Reader};

/// Most commands one `Commands` packet may carry.
pub const MAX_COMMANDS_PER_PACKET: usize = 32;

/// Most state fields one `CommandAck` may carry.
pub const MAX_ACK_FIELDS: usize = 16;

/// A run of sequenced commands for one object (`Commands`, C→S type 9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandBatch<'a> {
    /// The commanded object (the client must own it).
    pub object: DoId,
    /// The command field (a field with the `command` keyword).
    pub field: u16,
    /// Sequence number of the last command in `body` (numbers start at 1).
    pub newest: u32,
    /// Commands in `body`, at least 1 and at most [`MAX_COMMANDS_PER_PACKET`].
    pub count: u8,
    /// How many of the last commands are sent for the first time (the others are
    /// repeats): lets the server count the commands redundancy recovered.
    pub fresh: u8,
    /// The packed commands, oldest first.
    pub body: &'a [u8],
}

impl CommandBatch<'_> {
    /// Sequence number of the first command in `body`.
    pub fn first(&self) -> u32 {
        self.newest
            .wrapping_sub(u32::from(self.count))
            .wrapping_add(1)
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        put_u8(out, 9);
        put_u32(out, self.object.0);
        put_u16(out, self.field);
        put_u32(out, self.newest);
        put_u8(out, self.count);
        put_u8(out, self.fresh);
        out.extend_from_slice(self.body);
    }

    pub(crate) fn decode<'a>(r: &mut Reader<'a>) -> Result<CommandBatch<'a>, DecodeError> {
        let e = in_msg("Commands", "header");
        let object = DoId(r.read_u32().map_err(&e)?);
        let field = r.read_u16().map_err(&e)?;
        let newest = r.read_u32().map_err(&e)?;
        let count = r.read_u8().map_err(&e)?;
        let fresh = r.read_u8().map_err(&e)?;
        if fresh > count {
            return Err(invalid("Commands", "more fresh commands than commands"));
        }
        if count == 0 || usize::from(count) > MAX_COMMANDS_PER_PACKET {
            return Err(invalid("Commands", "command count is 0 or over 32"));
        }
        if newest < u32::from(count) {
            return Err(invalid("Commands", "sequence numbers start at 1"));
        }
        let body = r.rest();
        r.take(body.len()).map_err(&e)?;
        Ok(CommandBatch {
            object,
            field,
            newest,
            count,
            fresh,
            body,
        })
    }
}

/// The server's word on an object's commands (`CommandAck`, S→C type 9), sent with
/// each snapshot to the client commanding the object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandAckMsg<'a> {
    /// The snapshot tick this describes (state at the end of that tick).
    pub tick: Tick,
    /// The object.
    pub object: DoId,
    /// The last command applied (0: none yet).
    pub last: u32,
    /// The object's `predicted` state fields: `(field number, packed value)`.
    pub state: Vec<(u16, &'a [u8])>,
}

impl<'a> CommandAckMsg<'a> {
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        put_u8(out, 9);
        put_u32(out, self.tick.0);
        put_u32(out, self.object.0);
        put_u32(out, self.last);
        let n = self.state.len().min(MAX_ACK_FIELDS);
        put_u8(out, n as u8);
        for (field, value) in &self.state[..n] {
            put_u16(out, *field);
            let len = value.len().min(usize::from(u16::MAX));
            // Cannot fail: the slice fits a u16 length.
            let _ = put_blob16(out, &value[..len], "value");
        }
    }

    pub(crate) fn decode(r: &mut Reader<'a>) -> Result<CommandAckMsg<'a>, DecodeError> {
        let e = in_msg("CommandAck", "header");
        let tick = Tick(r.read_u32().map_err(&e)?);
        let object = DoId(r.read_u32().map_err(&e)?);
        let last = r.read_u32().map_err(&e)?;
        let n = r.read_u8().map_err(&e)?;
        if usize::from(n) > MAX_ACK_FIELDS {
            return Err(invalid("CommandAck", "more than 16 state fields"));
        }
        let f = in_msg("CommandAck", "state");
        let mut state = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            let field = r.read_u16().map_err(&f)?;
            state.push((field, r.read_blob16().map_err(&f)?));
        }
        Ok(CommandAckMsg {
            tick,
            object,
            last,
            state,
        })
    }
}
