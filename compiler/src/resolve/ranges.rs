//! Suffixes of simple types: ranges, divisors and moduli, checked and scaled as
//! `DCSimpleParameter` does.

use super::*;

impl Resolver {
    pub(super) fn simple_mod(&mut self, simple: &mut SimpleType, m: &Suffix) {
        match m {
            Suffix::Range(items, span) => {
                let mut written: Vec<(f64, f64)> = Vec::new();
                for item in items {
                    if item.lo > item.hi
                        || written
                            .iter()
                            .any(|&(a, b)| overlaps(item.lo, item.hi, a, b))
                    {
                        self.error(item.span, "overlapping range");
                        continue;
                    }
                    written.push((item.lo, item.hi));
                }
                if let Err(msg) = set_range(simple, written) {
                    self.errors.push(Diagnostic::error(
                        *span,
                        format!(
                            "inappropriate range for type {}: {msg}",
                            simple.builtin.name()
                        ),
                    ));
                }
            }
            Suffix::Divisor(n, span) => {
                if !is_numeric(simple.builtin) {
                    self.error(
                        *span,
                        format!(
                            "a divisor is only valid on a numeric type, not {}",
                            simple.builtin.name()
                        ),
                    );
                } else if *n == 0 || *n > u64::from(u32::MAX) {
                    self.error(
                        *span,
                        "invalid divisor: it must be between 1 and 4294967295",
                    );
                } else {
                    simple.divisor = *n as u32;
                    let range = simple.orig_range.clone();
                    if !range.is_empty() {
                        if let Err(msg) = set_range(simple, range) {
                            self.error(
                                *span,
                                format!(
                                    "the range no longer fits the type with this divisor: {msg}"
                                ),
                            );
                        }
                    }
                    if let Some(m) = simple.modulus {
                        if let Err(msg) = set_modulus(simple, m) {
                            self.error(*span, format!("invalid modulus with this divisor: {msg}"));
                        }
                    }
                }
            }
            Suffix::Modulus(m, span) => {
                if !is_numeric(simple.builtin) {
                    self.error(
                        *span,
                        format!(
                            "a modulus is only valid on a numeric type, not {}",
                            simple.builtin.name()
                        ),
                    );
                } else if let Err(msg) = set_modulus(simple, *m) {
                    self.error(*span, format!("invalid modulus: {msg}"));
                }
            }
            Suffix::Array(size) => self.error(size.span, "unexpected array size here"),
        }
    }
}

pub(super) fn overlaps(lo: f64, hi: f64, a: f64, b: f64) -> bool {
    (lo >= a && lo <= b) || (hi >= a && hi <= b) || (lo < a && hi > b)
}

/// `DCSimpleParameter::is_numeric_type`: divisors and moduli are refused on
/// strings, blobs and char.
fn is_numeric(b: Builtin) -> bool {
    !matches!(
        b,
        Builtin::String | Builtin::Blob | Builtin::Blob32 | Builtin::Char
    )
}

/// `DCSimpleParameter::set_range`: scales the written range by the divisor and
/// checks it against the type. Spans that overlap only after scaling are dropped.
fn set_range(simple: &mut SimpleType, written: Vec<(f64, f64)>) -> Result<(), String> {
    use Builtin::*;
    let divisor = f64::from(simple.divisor);
    let scale_int = |b: f64| (b * divisor + 0.5).floor();
    let mut error = None;
    let mut check = |v: f64, lo: f64, hi: f64| {
        if v < lo || v > hi {
            error = Some(format!("bound {v} does not fit in {lo}..={hi}"));
        }
    };
    simple.range = if written.is_empty() {
        Range::None
    } else {
        match simple.builtin {
            Float64 => {
                let mut spans: Vec<(f64, f64)> = Vec::new();
                for (lo, hi) in written.iter().map(|&(lo, hi)| (lo * divisor, hi * divisor)) {
                    if lo <= hi && !spans.iter().any(|&(a, b)| overlaps(lo, hi, a, b)) {
                        spans.push((lo, hi));
                    }
                }
                Range::Float(spans)
            }
            Uint32Uint8Array => return Err("this type takes no range".into()),
            b => {
                let (min, max) = match b {
                    Int8 | Int8Array => (-128.0, 127.0),
                    Int16 | Int16Array => (-32768.0, 32767.0),
                    Int32 | Int32Array => (-2147483648.0, 2147483647.0),
                    Int64 => (f64::MIN, f64::MAX),
                    Uint8 | Uint8Array | Char => (0.0, 255.0),
                    Uint16 | Uint16Array | String | Blob => (0.0, 65535.0),
                    Uint32 | Uint32Array | Blob32 => (0.0, 4294967295.0),
                    _ => (f64::MIN, f64::MAX),
                };
                let mut spans: Vec<(i128, i128)> = Vec::new();
                for &(lo, hi) in &written {
                    let (lo, hi) = (scale_int(lo), scale_int(hi));
                    check(lo, min, max);
                    check(hi, min, max);
                    let (lo, hi) = (lo as i128, hi as i128);
                    let dup = spans
                        .iter()
                        .any(|&(a, b)| overlaps(lo as f64, hi as f64, a as f64, b as f64));
                    if lo <= hi && !dup {
                        spans.push((lo, hi));
                    }
                }
                Range::Int(spans)
            }
        }
    };
    simple.orig_range = written;
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// `DCSimpleParameter::set_modulus`: the scaled modulus must be at most the type's
/// largest value plus one.
fn set_modulus(simple: &mut SimpleType, modulus: f64) -> Result<(), String> {
    use Builtin::*;
    if modulus <= 0.0 {
        return Err("the modulus must be greater than 0".into());
    }
    let scaled = ((modulus * f64::from(simple.divisor)) + 0.5).floor();
    let limit: Option<f64> = match simple.builtin {
        Int8 | Int8Array => Some(128.0),
        Int16 | Int16Array => Some(32768.0),
        Int32 | Int32Array => Some(2147483648.0),
        Int64 => Some(9223372036854775808.0),
        Uint8 | Uint8Array | Char => Some(256.0),
        Uint16 | Uint16Array => Some(65536.0),
        Uint32 | Uint32Array => Some(4294967296.0),
        Uint64 | Float64 => None,
        _ => return Err(format!("{} takes no modulus", simple.builtin.name())),
    };
    simple.modulus = Some(modulus);
    match limit {
        Some(limit) if scaled < 1.0 || scaled > limit => Err(format!(
            "the scaled modulus {scaled} must be between 1 and {limit}"
        )),
        _ => Ok(()),
    }
}
