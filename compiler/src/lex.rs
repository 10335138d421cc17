//! Token values exactly as Panda3D's lexer (`dcLexer.lxx`) computes them: integer
//! literals with overflow checks, reals through Panda's own decimal routine, and
//! string escapes with their historical quirks.

/// Why a number literal was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// The literal does not fit in 64 bits (Panda would wrap some of these silently).
    OutOfRange,
}

/// Parses an unsigned literal: decimal digits, or `0x` and hex digits (`0x` alone is 0).
pub fn parse_uint(text: &str) -> Result<u64, NumberError> {
    let (digits, radix) = match text.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    let mut value: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix).ok_or(NumberError::OutOfRange)? as u64;
        value = value
            .checked_mul(radix as u64)
            .and_then(|v| v.checked_add(d))
            .ok_or(NumberError::OutOfRange)?;
    }
    Ok(value)
}

/// Parses a signed literal (`+5`, `-100`); the magnitude must be at most 2^63-1 as in Panda.
pub fn parse_sint(text: &str) -> Result<i64, NumberError> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = parse_uint(digits)?;
    let magnitude = i64::try_from(magnitude).map_err(|_| NumberError::OutOfRange)?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// Parses a real literal with Panda's `pstrtod`, which is not correctly rounded:
/// digits accumulate as `v*10 + d`, fractions as `v += d*m` with `m` scaled by 0.1 per
/// digit, and the exponent is applied with `pow(10, e)`. Bit-exact defaults need this.
pub fn parse_real(text: &str) -> f64 {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut negative = false;
    if let Some(&s) = bytes.first() {
        if s == b'-' || s == b'+' {
            negative = s == b'-';
            i = 1;
        }
    }
    let mut value = 0.0f64;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        value = value * 10.0 + f64::from(bytes[i] - b'0');
        i += 1;
    }
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        let mut multiplier = 0.1f64;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            value += f64::from(bytes[i] - b'0') * multiplier;
            multiplier *= 0.1;
            i += 1;
        }
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        let mut exp_negative = false;
        if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
            exp_negative = bytes[i] == b'-';
            i += 1;
        }
        let mut exponent = 0.0f64;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            exponent = exponent * 10.0 + f64::from(bytes[i] - b'0');
            i += 1;
        }
        if exp_negative {
            value /= 10f64.powf(exponent);
        } else {
            value *= 10f64.powf(exponent);
        }
    }
    if negative {
        -value
    } else {
        value
    }
}

/// Decodes the inside of a string literal (quotes removed) into bytes, one input char
/// per byte (the source is Latin-1), applying Panda's escape rules.
pub fn decode_string(inner: &str) -> Vec<u8> {
    let chars: Vec<u8> = inner.chars().map(|c| c as u32 as u8).collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != b'\\' || i >= chars.len() {
            out.push(c);
            continue;
        }
        let e = chars[i];
        i += 1;
        match e {
            b'a' => out.push(7),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'x' => {
                let mut v: u32 = 0;
                let mut n = 0;
                while n < 2 && i < chars.len() && chars[i].is_ascii_hexdigit() {
                    v = v * 16 + (chars[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            b'0' => {
                let mut v: u32 = 0;
                let mut n = 0;
                while n < 3 && i < chars.len() && (b'0'..=b'6').contains(&chars[i]) {
                    v = v * 8 + u32::from(chars[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            b'1'..=b'9' => {
                let mut v: u32 = 0;
                let mut n = 0;
                while n < 3 && i < chars.len() && chars[i].is_ascii_digit() {
                    v = v * 10 + u32::from(chars[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
    out
}

/// Decodes `<0a0b>` into bytes (the grammar guarantees pairs of hex digits).
pub fn decode_hex(text: &str) -> Vec<u8> {
    let digits = text
        .trim_start_matches('<')
        .trim_end_matches('>')
        .as_bytes();
    digits
        .chunks(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16).unwrap_or(0);
            let lo = pair
                .get(1)
                .and_then(|&c| (c as char).to_digit(16))
                .unwrap_or(0);
            (hi * 16 + lo) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pstrtod_reproduces_pandas_rounding() {
        // Bit patterns measured on Panda3D 1.10.16 (dc-format.md §1.3).
        assert_eq!(parse_real("0.005").to_bits(), 0x3F747AE147AE147C);
        assert_eq!(parse_real("0.3").to_bits(), 0x3FD3333333333334);
        assert_eq!(parse_real("5.15").to_bits(), 0x4014999999999999);
        assert_eq!(parse_real("3.14159").to_bits(), 0x400921F9F01B866F);
        assert_eq!(parse_real("-279.65").to_bits(), 0xC0717A6666666667);
        assert_eq!(parse_real("0.1").to_bits(), 0x3FB999999999999A);
        assert_eq!(parse_real("1.e3"), 1000.0);
        assert_eq!(parse_real(".5"), 0.5);
    }

    #[test]
    fn integer_literals_check_overflow() {
        assert_eq!(parse_uint("0x"), Ok(0));
        assert_eq!(parse_uint("0x1f"), Ok(31));
        assert_eq!(parse_uint("010"), Ok(10));
        assert_eq!(parse_uint("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            parse_uint("18446744073709551616"),
            Err(NumberError::OutOfRange)
        );
        assert_eq!(parse_sint("-9223372036854775807"), Ok(-i64::MAX));
        assert_eq!(
            parse_sint("-9223372036854775808"),
            Err(NumberError::OutOfRange)
        );
        assert_eq!(parse_sint("+5"), Ok(5));
    }

    #[test]
    fn escapes_follow_panda() {
        assert_eq!(decode_string(r"\123"), vec![23]);
        assert_eq!(decode_string(r"\0177"), vec![1, b'7', b'7']);
        assert_eq!(decode_string(r"\x4g"), vec![4, b'g']);
        assert_eq!(decode_string(r"\x"), vec![0]);
        assert_eq!(decode_string(r#"\"\\\'\q"#), b"\"\\'q".to_vec());
        assert_eq!(decode_string(r"\a\n\r\t"), vec![7, 10, 13, 9]);
        assert_eq!(decode_string("\u{ff}"), vec![0xff]);
    }
}
