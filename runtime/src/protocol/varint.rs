//! LEB128 varints (7 bits per byte, low group first, high bit = more follows) and zigzag.

use super::{invalid, DecodeError};
use crate::wire::Reader;

/// Appends `v` as a varint (1 byte below 128, at most 10).
#[inline]
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a varint of at most `max_bytes` bytes (refusing longer or overlong ones).
pub(crate) fn read_varint(
    r: &mut Reader<'_>,
    message: &'static str,
    what: &'static str,
) -> Result<u64, DecodeError> {
    let mut v: u64 = 0;
    for i in 0..10 {
        let b = r.read_u8().map_err(|e| DecodeError::Wire {
            message,
            error: e.within(what),
        })?;
        let group = u64::from(b & 0x7F);
        if i == 9 && group > 1 {
            return Err(invalid(message, "varint overflows 64 bits"));
        }
        v |= group << (7 * i);
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(invalid(message, "varint longer than 10 bytes"))
}

/// Reads a varint that must fit a `u32`.
pub(crate) fn read_varint_u32(
    r: &mut Reader<'_>,
    message: &'static str,
    what: &'static str,
) -> Result<u32, DecodeError> {
    u32::try_from(read_varint(r, message, what)?).map_err(|_| invalid(message, what))
}

/// Zigzag: small magnitudes of either sign become small unsigned numbers.
#[inline]
pub(crate) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Inverse of [`zigzag`].
#[inline]
pub(crate) fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_refuse_overflow() {
        for v in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            let mut r = Reader::new(&b);
            assert_eq!(read_varint(&mut r, "T", "v").unwrap(), v);
            assert_eq!(r.remaining(), 0);
        }
        let mut r = Reader::new(&[0xFF; 11]);
        assert!(read_varint(&mut r, "T", "v").is_err());
        let mut r = Reader::new(&[0x80]);
        assert!(read_varint(&mut r, "T", "v").is_err());
        let mut b = Vec::new();
        put_varint(&mut b, u64::from(u32::MAX) + 1);
        assert!(read_varint_u32(&mut Reader::new(&b), "T", "v").is_err());
        for v in [0i64, -1, 1, i64::MIN, i64::MAX, -300] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
    }
}
