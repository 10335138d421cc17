//! Unpacking: bytes back into DC value text, formatted as Panda's `formatData`.

use super::*;

/// Unpacks a field's bytes and formats them in DC value syntax, as Panda's
/// `DCField::format_data` does. Every byte must be used.
pub fn unpack_field(model: &Model, field: FieldId, bytes: &[u8]) -> Result<String> {
    let mut r = Reader { bytes, pos: 0 };
    let mut out = String::new();
    format_target(model, Target::Field(field), &mut r, &mut out)?;
    if r.pos != bytes.len() {
        return err(
            PackErrorKind::Pack,
            format!("{} bytes left over after the value", bytes.len() - r.pos),
            None,
        );
    }
    Ok(out)
}

/// Walks one field's value at the start of `bytes` and returns how many bytes it used.
pub(super) fn format_prefix(model: &Model, field: FieldId, bytes: &[u8]) -> Result<usize> {
    let mut r = Reader { bytes, pos: 0 };
    let mut out = String::new();
    format_target(model, Target::Field(field), &mut r, &mut out)?;
    Ok(r.pos)
}

/// Unpacks one parameter value and formats it.
pub fn unpack_param(model: &Model, param: &Param, bytes: &[u8]) -> Result<String> {
    let mut r = Reader { bytes, pos: 0 };
    let mut out = String::new();
    format_target(model, Target::Param(param), &mut r, &mut out)?;
    if r.pos != bytes.len() {
        return err(
            PackErrorKind::Pack,
            format!("{} bytes left over after the value", bytes.len() - r.pos),
            None,
        );
    }
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.bytes.len() - self.pos < n {
            return err(
                PackErrorKind::Pack,
                format!(
                    "unexpected end of data: needed {n} more bytes at offset {}",
                    self.pos
                ),
                None,
            );
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u16(&mut self) -> Result<usize> {
        let b = self.take(2)?;
        Ok(usize::from(u16::from_le_bytes([b[0], b[1]])))
    }

    fn u32(&mut self) -> Result<usize> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn int(&mut self, b: Builtin) -> Result<i128> {
        let (width, signed) = b.int_layout().unwrap_or((8, false));
        Ok(int_from_le(self.take(width)?, signed))
    }
}

/// The little-endian integer of 1 to 8 bytes in `bytes`, as Panda packs it,
/// sign-extended when `signed` (see [`Builtin::int_layout`] for a type's layout).
/// Bytes past the eighth are ignored; no bytes read as 0.
pub fn int_from_le(bytes: &[u8], signed: bool) -> i128 {
    let width = bytes.len().min(8);
    if width == 0 {
        return 0;
    }
    let mut buf = [0u8; 8];
    buf[..width].copy_from_slice(&bytes[..width]);
    let raw = u64::from_le_bytes(buf);
    if signed {
        let shift = 64 - 8 * width as u32;
        i128::from(((raw << shift) as i64) >> shift)
    } else {
        i128::from(raw)
    }
}

fn format_target(model: &Model, t: Target, r: &mut Reader, out: &mut String) -> Result<()> {
    let param = match t {
        Target::Field(f) => match (&model.field(f).kind, field_targets(model, f)) {
            (FieldKind::Parameter(p), _) => p,
            (_, Some(targets)) => return format_sequence(model, &targets, '(', ')', r, out),
            _ => return unreachable_pack(Span::default()),
        },
        Target::Param(p) => p,
        Target::Legacy(b) => {
            out.push_str(&r.int(b)?.to_string());
            return Ok(());
        }
        Target::LegacyPair => {
            let targets = [
                Target::Legacy(Builtin::Uint32),
                Target::Legacy(Builtin::Uint8),
            ];
            return format_sequence(model, &targets, '{', '}', r, out);
        }
    };
    if let Some(name) = param.name.as_deref().filter(|n| !n.is_empty()) {
        out.push_str(name);
        out.push_str(" = ");
    }
    format_type(model, &param.ty, r, out)
}

fn format_sequence(
    model: &Model,
    targets: &[Target],
    open: char,
    close: char,
    r: &mut Reader,
    out: &mut String,
) -> Result<()> {
    out.push(open);
    for (i, t) in targets.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        format_target(model, *t, r, out)?;
    }
    out.push(close);
    Ok(())
}

/// Longest text [`unpack_field`] produces before giving up.
const MAX_FORMATTED_LEN: usize = 16 << 20;

fn format_elements(
    model: &Model,
    element: Target,
    fixed_count: Option<usize>,
    prefixed: bool,
    r: &mut Reader,
    out: &mut String,
) -> Result<()> {
    out.push('[');
    if prefixed {
        let len = r.u16()?;
        let end = r.pos + len;
        if end > r.bytes.len() {
            return err(
                PackErrorKind::Pack,
                format!("array length {len} runs past the end of the data"),
                None,
            );
        }
        let mut first = true;
        while r.pos < end {
            if !first {
                out.push_str(", ");
            }
            first = false;
            let mut sub = Reader {
                bytes: &r.bytes[..end],
                pos: r.pos,
            };
            format_target(model, element, &mut sub, out)?;
            if sub.pos == r.pos {
                // Zero-size elements can never use up a non-zero length.
                return err(
                    PackErrorKind::Pack,
                    format!("array length {len} cannot be filled with zero-size elements"),
                    None,
                );
            }
            r.pos = sub.pos;
        }
    } else {
        for i in 0..fixed_count.unwrap_or(0) {
            if i > 0 {
                out.push_str(", ");
            }
            format_target(model, element, r, out)?;
            // Zero-size elements use up no bytes, so only the text bounds the work.
            if out.len() > MAX_FORMATTED_LEN {
                return err(PackErrorKind::Pack, "value too large to format", None);
            }
        }
    }
    out.push(']');
    Ok(())
}

fn format_type(model: &Model, ty: &Type, r: &mut Reader, out: &mut String) -> Result<()> {
    use Builtin::*;
    match ty {
        Type::Simple(s) => {
            if let Some(element) = legacy_element(s.builtin) {
                return format_elements(model, element, None, true, r, out);
            }
            match s.builtin {
                String | Char => {
                    let bytes = match s.builtin {
                        Char => r.take(1)?.to_vec(),
                        _ => read_bytes(s, r)?.to_vec(),
                    };
                    enquote(&bytes, out);
                }
                Blob | Blob32 => {
                    let start = r.pos;
                    read_bytes(s, r)?;
                    out.push('<');
                    for b in &r.bytes[start..r.pos] {
                        out.push_str(&format!("{b:02x}"));
                    }
                    out.push('>');
                }
                Float64 => {
                    let b = r.take(8)?;
                    let mut buf = [0u8; 8];
                    buf.copy_from_slice(b);
                    let x = f64::from_le_bytes(buf) / f64::from(s.divisor);
                    out.push_str(&format_g(x));
                }
                b => {
                    let v = r.int(b)?;
                    if s.divisor == 1 {
                        out.push_str(&v.to_string());
                    } else {
                        out.push_str(&format_g(v as f64 / f64::from(s.divisor)));
                    }
                }
            }
            Ok(())
        }
        Type::Array(a) => {
            if let Type::Simple(e) = &a.element.ty {
                if e.builtin == Char {
                    let bytes = if a.has_prefix() {
                        let n = r.u16()?;
                        r.take(n)?.to_vec()
                    } else {
                        r.take(a.fixed_count().unwrap_or(0) as usize)?.to_vec()
                    };
                    enquote(&bytes, out);
                    return Ok(());
                }
            }
            format_elements(
                model,
                Target::Param(&a.element),
                a.fixed_count().map(|c| c as usize),
                a.has_prefix(),
                r,
                out,
            )
        }
        Type::Class(c) => format_sequence(model, &class_targets(model, *c), '{', '}', r, out),
        Type::Switch(id) => {
            let s = model.switch(*id);
            out.push('(');
            let start = r.pos;
            format_target(model, Target::Param(&s.key), r, out)?;
            let key = &r.bytes[start..r.pos];
            let fields = select_case(s, key).ok_or_else(|| PackError {
                kind: PackErrorKind::Pack,
                message: "switch key matches no case".into(),
                span: None,
            })?;
            for f in fields {
                out.push_str(", ");
                format_target(model, Target::Param(f), r, out)?;
            }
            out.push(')');
            Ok(())
        }
        Type::Invalid => err(PackErrorKind::Pack, "cannot unpack an undefined type", None),
    }
}

fn read_bytes<'a>(s: &SimpleType, r: &'a mut Reader) -> Result<&'a [u8]> {
    let len = match s.range.one_value() {
        Some(n) => usize::try_from(n).unwrap_or(0),
        None if s.builtin == Builtin::Blob32 => r.u32()?,
        None => r.u16()?,
    };
    r.take(len)
}

/// Panda's `enquote_string`: `"`, `\\` escaped; non-printable bytes as `\xNN`.
fn enquote(bytes: &[u8], out: &mut String) {
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
}

/// C++ `ostream << double` with default flags: `%g` with 6 significant digits.
pub fn format_g(x: f64) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let mantissa = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        strip_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_back_at_their_layout() {
        use Builtin::*;
        for (b, min, max) in [
            (Int8, -128, 127),
            (Int16, -32768, 32767),
            (Int32, i128::from(i32::MIN), i128::from(i32::MAX)),
            (Int64, i128::from(i64::MIN), i128::from(i64::MAX)),
            (Uint8, 0, 255),
            (Char, 0, 255),
            (Uint16, 0, 65535),
            (Uint32, 0, i128::from(u32::MAX)),
            (Uint64, 0, i128::from(u64::MAX)),
        ] {
            let (width, signed) = b.int_layout().unwrap();
            for v in [min, max] {
                let bytes = (v as i64 as u64).to_le_bytes();
                assert_eq!(int_from_le(&bytes[..width], signed), v, "{}", b.name());
            }
        }
        assert_eq!(Int16Array.int_layout(), Int16.int_layout());
        assert_eq!(Float64.int_layout(), None);
        assert_eq!(Uint32Uint8Array.int_layout(), None);
        assert_eq!(int_from_le(&[], true), 0);
    }
}
