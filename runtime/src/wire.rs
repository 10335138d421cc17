//! DC wire primitives: Panda3D `DCPacker`'s little-endian encoding.
//!
//! Generated code (from `dcc build --rust`) and the runtime's generic paths both pack
//! and unpack through these functions, so there is one implementation of the byte
//! format. Packing appends to a `Vec<u8>`; unpacking reads from a [`Reader`] that
//! never panics on short or malformed input and reports what went wrong and where.

use std::fmt;

/// Why bytes could not be packed or unpacked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    /// What went wrong.
    pub kind: WireErrorKind,
    /// The schema element involved (`"setPos.x"`, `"DistributedAvatar"`), when known.
    pub context: &'static str,
}

/// The kinds of [`WireError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireErrorKind {
    /// The input ended before a value was complete.
    Truncated {
        /// Bytes the value needed.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// Bytes were left over after the last value.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// A number is outside its type or its declared range.
    OutOfRange,
    /// A string, blob or array length is outside its declared range or its prefix.
    BadLength {
        /// The length found.
        len: usize,
    },
    /// A `string` was not valid UTF-8.
    InvalidUtf8,
    /// A switch key matches no case and the switch has no default.
    UnknownCase,
    /// A float is NaN or infinite where an integer encoding is required.
    NotFinite,
    /// A field number the class does not have.
    UnknownField {
        /// The number found.
        number: u16,
    },
}

impl WireError {
    /// A new error about `context`.
    pub fn new(kind: WireErrorKind, context: &'static str) -> Self {
        WireError { kind, context }
    }

    /// The same error with the schema element named (kept if already set).
    pub fn within(mut self, context: &'static str) -> Self {
        if self.context.is_empty() {
            self.context = context;
        }
        self
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.context.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.context)
        };
        match &self.kind {
            WireErrorKind::Truncated { needed, remaining } => write!(
                f,
                "{at}truncated input: needed {needed} bytes, {remaining} left"
            ),
            WireErrorKind::TrailingBytes { count } => {
                write!(f, "{at}{count} unexpected bytes after the last value")
            }
            WireErrorKind::OutOfRange => write!(f, "{at}value out of range"),
            WireErrorKind::BadLength { len } => write!(f, "{at}length {len} is not allowed"),
            WireErrorKind::InvalidUtf8 => write!(f, "{at}string is not valid UTF-8"),
            WireErrorKind::UnknownCase => write!(f, "{at}switch key matches no case"),
            WireErrorKind::NotFinite => write!(f, "{at}value is NaN or infinite"),
            WireErrorKind::UnknownField { number } => write!(f, "{at}no field number {number}"),
        }
    }
}

impl std::error::Error for WireError {}

/// Result of packing or unpacking.
pub type WireResult<T> = Result<T, WireError>;

fn out_of_range<T>(context: &'static str) -> WireResult<T> {
    Err(WireError::new(WireErrorKind::OutOfRange, context))
}

// ------------------------------------------------------------------------ reading

/// A cursor over received bytes. Every read checks the remaining length.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

macro_rules! read_le {
    ($($name:ident -> $t:ty),* $(,)?) => {$(
        #[doc = concat!("Reads a little-endian `", stringify!($t), "`.")]
        pub fn $name(&mut self) -> WireResult<$t> {
            let bytes = self.take(std::mem::size_of::<$t>())?;
            let mut raw = [0u8; std::mem::size_of::<$t>()];
            raw.copy_from_slice(bytes);
            Ok(<$t>::from_le_bytes(raw))
        }
    )*};
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> WireResult<&'a [u8]> {
        if self.remaining() < n {
            return Err(WireError::new(
                WireErrorKind::Truncated {
                    needed: n,
                    remaining: self.remaining(),
                },
                "",
            ));
        }
        let bytes = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    /// Succeeds only when every byte was read (Panda rejects trailing bytes).
    pub fn finish(&self) -> WireResult<()> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(WireError::new(WireErrorKind::TrailingBytes { count }, "")),
        }
    }

    read_le!(
        read_u8 -> u8, read_u16 -> u16, read_u32 -> u32, read_u64 -> u64,
        read_i8 -> i8, read_i16 -> i16, read_i32 -> i32, read_i64 -> i64,
        read_f32 -> f32, read_f64 -> f64,
    );

    /// Reads a `uint16` byte-length prefix and returns a reader over that many bytes.
    pub fn read_prefixed16(&mut self) -> WireResult<Reader<'a>> {
        let len = usize::from(self.read_u16()?);
        Ok(Reader::new(self.take(len)?))
    }

    /// Reads a `uint32` byte-length prefix and returns a reader over that many bytes.
    pub fn read_prefixed32(&mut self) -> WireResult<Reader<'a>> {
        let len = self.read_u32()? as usize;
        Ok(Reader::new(self.take(len)?))
    }

    /// Reads the bytes of a `string`/`blob` (`uint16` length prefix).
    pub fn read_blob16(&mut self) -> WireResult<&'a [u8]> {
        let len = usize::from(self.read_u16()?);
        self.take(len)
    }

    /// Reads the bytes of a `blob32` (`uint32` length prefix).
    pub fn read_blob32(&mut self) -> WireResult<&'a [u8]> {
        let len = self.read_u32()? as usize;
        self.take(len)
    }
}

/// Converts the bytes of a DC `string` into a Rust `String` (they must be UTF-8).
pub fn utf8(bytes: &[u8], context: &'static str) -> WireResult<String> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| WireError::new(WireErrorKind::InvalidUtf8, context))
}

// ------------------------------------------------------------------------ writing

/// Where packed bytes go: a growable `Vec<u8>`, or a [`FixedBuf`] on the stack for
/// fields whose packed size is fixed (the zero-allocation path).
pub trait Sink {
    /// Appends bytes.
    fn put(&mut self, bytes: &[u8]);
    /// Bytes written so far.
    fn written(&self) -> usize;
    /// Overwrites already written bytes at `at` (used to fill in length prefixes).
    fn patch(&mut self, at: usize, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    #[inline]
    fn written(&self) -> usize {
        self.len()
    }
    fn patch(&mut self, at: usize, bytes: &[u8]) {
        self[at..at + bytes.len()].copy_from_slice(bytes);
    }
}

/// A fixed-capacity buffer for packing fixed-size values without allocating.
#[derive(Clone, Debug)]
pub struct FixedBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
    overflow: bool,
}

impl<const N: usize> Default for FixedBuf<N> {
    fn default() -> Self {
        FixedBuf {
            buf: [0; N],
            len: 0,
            overflow: false,
        }
    }
}

impl<const N: usize> FixedBuf<N> {
    /// The packed bytes when exactly `N` were written; an error otherwise.
    pub fn into_array(self, context: &'static str) -> WireResult<[u8; N]> {
        if self.overflow || self.len != N {
            return Err(WireError::new(
                WireErrorKind::BadLength { len: self.len },
                context,
            ));
        }
        Ok(self.buf)
    }
}

impl<const N: usize> Sink for FixedBuf<N> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        match self.buf.get_mut(self.len..self.len + bytes.len()) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len += bytes.len();
            }
            None => self.overflow = true,
        }
    }
    fn written(&self) -> usize {
        self.len
    }
    fn patch(&mut self, at: usize, bytes: &[u8]) {
        if let Some(dst) = self.buf.get_mut(at..at + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
    }
}

macro_rules! put_le {
    ($($name:ident($t:ty)),* $(,)?) => {$(
        #[doc = concat!("Appends a little-endian `", stringify!($t), "`.")]
        #[inline]
        pub fn $name<S: Sink + ?Sized>(out: &mut S, v: $t) {
            out.put(&v.to_le_bytes());
        }
    )*};
}

put_le!(
    put_u8(u8),
    put_u16(u16),
    put_u32(u32),
    put_u64(u64),
    put_i8(i8),
    put_i16(i16),
    put_i32(i32),
    put_i64(i64),
    put_f32(f32),
    put_f64(f64),
);

/// Appends a `string`/`blob`: `uint16` length, then the bytes.
pub fn put_blob16<S: Sink + ?Sized>(
    out: &mut S,
    bytes: &[u8],
    context: &'static str,
) -> WireResult<()> {
    let len = u16::try_from(bytes.len())
        .map_err(|_| WireError::new(WireErrorKind::BadLength { len: bytes.len() }, context))?;
    put_u16(out, len);
    out.put(bytes);
    Ok(())
}

/// Appends a `blob32`: `uint32` length, then the bytes.
pub fn put_blob32<S: Sink + ?Sized>(
    out: &mut S,
    bytes: &[u8],
    context: &'static str,
) -> WireResult<()> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| WireError::new(WireErrorKind::BadLength { len: bytes.len() }, context))?;
    put_u32(out, len);
    out.put(bytes);
    Ok(())
}

/// Reserves a `uint16` byte-length prefix; pass the result to [`end_prefix16`].
pub fn begin_prefix16<S: Sink + ?Sized>(out: &mut S) -> usize {
    out.put(&[0, 0]);
    out.written()
}

/// Fills in a prefix reserved by [`begin_prefix16`] with the bytes written since.
pub fn end_prefix16<S: Sink + ?Sized>(
    out: &mut S,
    start: usize,
    context: &'static str,
) -> WireResult<()> {
    let len = out.written() - start;
    let len16 = u16::try_from(len)
        .map_err(|_| WireError::new(WireErrorKind::BadLength { len }, context))?;
    out.patch(start - 2, &len16.to_le_bytes());
    Ok(())
}

/// Reserves a `uint32` byte-length prefix; pass the result to [`end_prefix32`].
pub fn begin_prefix32<S: Sink + ?Sized>(out: &mut S) -> usize {
    out.put(&[0, 0, 0, 0]);
    out.written()
}

/// Fills in a prefix reserved by [`begin_prefix32`] with the bytes written since.
pub fn end_prefix32<S: Sink + ?Sized>(
    out: &mut S,
    start: usize,
    context: &'static str,
) -> WireResult<()> {
    let len = out.written() - start;
    let len32 = u32::try_from(len)
        .map_err(|_| WireError::new(WireErrorKind::BadLength { len }, context))?;
    out.patch(start - 4, &len32.to_le_bytes());
    Ok(())
}

// ------------------------------------------------------------- fixed-point numbers

/// Panda's `pack_double` into an integer field: scale by the divisor, apply the
/// modulus (already scaled), round half up. Returns the integer to store.
pub fn fixed_point(
    value: f64,
    divisor: u32,
    modulus: Option<f64>,
    context: &'static str,
) -> WireResult<i128> {
    let x = scaled_double(value, divisor, modulus);
    let r = (x + 0.5).floor();
    if !r.is_finite() {
        return Err(WireError::new(WireErrorKind::NotFinite, context));
    }
    if r.abs() >= 1e38 {
        return out_of_range(context);
    }
    Ok(r as i128)
}

/// Panda's `pack_double` into a `float64` field: scale by the divisor, then apply the
/// modulus (already scaled).
pub fn scaled_double(value: f64, divisor: u32, modulus: Option<f64>) -> f64 {
    let mut x = value * f64::from(divisor);
    if let Some(dm) = modulus {
        if x < 0.0 {
            x = dm - (-x % dm);
            if x == dm {
                x = 0.0;
            }
        } else {
            x %= dm;
        }
    }
    x
}

/// Panda's integer modulus (`pack_int64` with a modulus): wraps into `0..modulus`.
pub fn int_modulus(value: i128, modulus: u64) -> i128 {
    if modulus == 0 {
        return value;
    }
    let m = i128::from(modulus);
    if value < 0 {
        m - 1 - ((-value - 1) % m)
    } else {
        value % m
    }
}

/// Narrows a checked integer into the storage type, or reports it out of range.
pub fn narrow<T: TryFrom<i128>>(value: i128, context: &'static str) -> WireResult<T> {
    T::try_from(value).map_err(|_| WireError::new(WireErrorKind::OutOfRange, context))
}

/// Checks an integer against declared spans (inclusive), if any.
pub fn check_int_range(
    value: i128,
    spans: &[(i128, i128)],
    context: &'static str,
) -> WireResult<()> {
    if spans.is_empty() || spans.iter().any(|&(lo, hi)| lo <= value && value <= hi) {
        Ok(())
    } else {
        out_of_range(context)
    }
}

/// Checks a float against declared spans (inclusive), if any.
pub fn check_float_range(
    value: f64,
    spans: &[(f64, f64)],
    context: &'static str,
) -> WireResult<()> {
    if spans.is_empty() || spans.iter().any(|&(lo, hi)| lo <= value && value <= hi) {
        Ok(())
    } else {
        out_of_range(context)
    }
}

/// Checks a length (string, blob, or array element count) against declared spans.
pub fn check_len(len: usize, spans: &[(u32, u32)], context: &'static str) -> WireResult<()> {
    if spans.is_empty()
        || spans
            .iter()
            .any(|&(lo, hi)| (lo as usize) <= len && len <= hi as usize)
    {
        Ok(())
    } else {
        Err(WireError::new(WireErrorKind::BadLength { len }, context))
    }
}

/// Unpacks one generated argument type: `M::unpack(r)`, the shorthand generated
/// code uses where the type is known from context.
#[inline]
pub fn unpack<M: crate::schema::Message>(r: &mut Reader<'_>) -> WireResult<M> {
    M::unpack(r)
}

/// The error for a field number class `class` does not have (generated `Field::unpack`).
#[cold]
pub fn unknown_field(number: u16, class: &'static str) -> WireError {
    WireError::new(WireErrorKind::UnknownField { number }, class)
}

/// Reads exactly `bytes` with `read`; trailing bytes are an error within `context`
/// (generated `Field::from_bytes`).
#[inline]
pub fn read_exact<T>(
    bytes: &[u8],
    context: &'static str,
    read: impl FnOnce(&mut Reader<'_>) -> WireResult<T>,
) -> WireResult<T> {
    let mut r = Reader::new(bytes);
    let value = read(&mut r)?;
    r.finish().map_err(|e| e.within(context))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_exact_rejects_trailing_bytes_and_unknown_fields_name_the_class() {
        assert_eq!(read_exact(&[7], "C", |r| r.read_u8()), Ok(7));
        let e = read_exact(&[7, 8], "C", |r| r.read_u8()).unwrap_err();
        assert_eq!(e.context, "C");
        let e = unknown_field(9, "C");
        assert_eq!(
            (e.kind, e.context),
            (WireErrorKind::UnknownField { number: 9 }, "C")
        );
    }

    #[test]
    fn reader_reports_truncation_without_panicking() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.read_u16(), Ok(0x0201));
        let e = r.read_u32().unwrap_err();
        assert_eq!(
            e.kind,
            WireErrorKind::Truncated {
                needed: 4,
                remaining: 1
            }
        );
        assert_eq!(r.read_u8(), Ok(3));
        assert!(r.finish().is_ok());
    }

    #[test]
    fn prefixes_round_trip_and_reject_overflow() {
        let mut out = Vec::new();
        let start = begin_prefix16(&mut out);
        put_u32(&mut out, 7);
        end_prefix16(&mut out, start, "x").unwrap();
        assert_eq!(out, [4, 0, 7, 0, 0, 0]);
        let mut r = Reader::new(&out);
        let mut inner = r.read_prefixed16().unwrap();
        assert_eq!(inner.read_u32(), Ok(7));
        assert!(inner.finish().is_ok() && r.finish().is_ok());

        let mut big = Vec::new();
        let start = begin_prefix16(&mut big);
        big.resize(start + 70_000, 0);
        let e = end_prefix16(&mut big, start, "arr").unwrap_err();
        assert_eq!(e.context, "arr");
        assert_eq!(e.kind, WireErrorKind::BadLength { len: 70_000 });
    }

    #[test]
    fn fixed_point_rounds_half_up_and_wraps_like_panda() {
        assert_eq!(fixed_point(1.005, 100, None, ""), Ok(100)); // 100.49999999999999
        assert_eq!(fixed_point(-0.5, 1, None, ""), Ok(0));
        assert_eq!(fixed_point(-1.5, 1, None, ""), Ok(-1));
        assert_eq!(fixed_point(370.0, 1, Some(360.0), ""), Ok(10));
        assert_eq!(fixed_point(-10.0, 1, Some(360.0), ""), Ok(350));
        assert_eq!(int_modulus(-1, 360), 359);
        assert_eq!(int_modulus(720, 360), 0);
        assert!(fixed_point(f64::NAN, 1, None, "").is_err());
    }

    #[test]
    fn fixed_buf_packs_exactly_or_reports() {
        let mut b = FixedBuf::<3>::default();
        put_u16(&mut b, 0x0102);
        put_u8(&mut b, 9);
        assert_eq!(b.into_array("f"), Ok([2, 1, 9]));
        let mut short = FixedBuf::<3>::default();
        put_u16(&mut short, 1);
        assert!(short.clone().into_array("f").is_err());
        put_u16(&mut short, 1);
        assert!(short.into_array("f").is_err());
    }

    #[test]
    fn ranges_and_lengths() {
        assert!(check_int_range(5, &[(0, 4), (6, 9)], "f").is_err());
        assert!(check_int_range(6, &[(0, 4), (6, 9)], "f").is_ok());
        assert!(check_len(3, &[(0, 2)], "s").is_err());
        assert!(check_len(3, &[], "s").is_ok());
        assert!(narrow::<u8>(256, "b").is_err());
        assert_eq!(narrow::<i8>(-128, "b"), Ok(-128i8));
    }
}
