//! The DC hash: bit-exact with Panda3D's `DCFile::get_hash()`.
//!
//! Panda feeds a sequence of integers into an accumulator, each multiplied by the next
//! of the first 10,000 primes (wrapping back to 2). What is fed, and in which order,
//! follows `generate_hash` of each Panda class (see `dc-format.md` §6).

use crate::model::*;

/// Number of primes in Panda's table; the index wraps after it.
const NUM_PRIMES: usize = 10_000;

/// Panda's `HashGenerator`.
pub struct HashGenerator {
    primes: &'static [u32],
    index: usize,
    acc: u32,
}

fn primes() -> &'static [u32] {
    static PRIMES: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    PRIMES.get_or_init(|| {
        let mut primes = Vec::with_capacity(NUM_PRIMES);
        let mut n = 2u32;
        while primes.len() < NUM_PRIMES {
            if primes
                .iter()
                .take_while(|&&p| p * p <= n)
                .all(|&p| !n.is_multiple_of(p))
            {
                primes.push(n);
            }
            n += 1;
        }
        primes
    })
}

impl Default for HashGenerator {
    fn default() -> Self {
        HashGenerator {
            primes: primes(),
            index: 0,
            acc: 0,
        }
    }
}

impl HashGenerator {
    /// Adds one (signed 32-bit) integer.
    pub fn add_int(&mut self, n: i32) {
        self.acc = self
            .acc
            .wrapping_add(self.primes[self.index].wrapping_mul(n as u32));
        self.index += 1;
        if self.index == NUM_PRIMES {
            self.index = 0;
        }
    }

    /// Adds a string: its length, then each byte as a signed char.
    pub fn add_string(&mut self, s: &str) {
        // Names are ASCII; other chars are Latin-1 bytes (one per char).
        if s.is_ascii() {
            self.add_int(s.len() as i32);
            for b in s.bytes() {
                self.add_int(i32::from(b as i8));
            }
        } else {
            self.add_int(s.chars().count() as i32);
            for c in s.chars() {
                self.add_int(i32::from(c as u32 as u8 as i8));
            }
        }
    }

    /// Adds a blob: its length, then each byte unsigned.
    pub fn add_blob(&mut self, b: &[u8]) {
        self.add_int(b.len() as i32);
        for &x in b {
            self.add_int(i32::from(x));
        }
    }

    /// The hash so far.
    pub fn hash(&self) -> u32 {
        self.acc
    }
}

/// The hash of everything loaded into the model.
pub fn hash_model(model: &Model) -> u32 {
    let mut h = HashGenerator::default();
    // dc-virtual-inheritance with sort-by-file (Panda's defaults) adds 1.
    h.add_int(1);
    h.add_int(model.class_list.len() as i32);
    for &c in &model.class_list {
        hash_class(model, c, &mut h);
    }
    h.hash()
}

fn hash_class(model: &Model, id: ClassId, h: &mut HashGenerator) {
    let class = model.class(id);
    h.add_string(&class.name);
    if class.is_struct {
        h.add_int(1);
    }
    h.add_int(class.parents.len() as i32);
    for &p in &class.parents {
        h.add_int(model.class(p).number.map_or(-1, |n| n as i32));
    }
    if let Some(ctor) = class.constructor {
        hash_field(model, ctor, h);
    }
    h.add_int(class.fields.len() as i32);
    for &f in &class.fields {
        hash_field(model, f, h);
    }
}

fn hash_field(model: &Model, id: FieldId, h: &mut HashGenerator) {
    let field = model.field(id);
    match &field.kind {
        FieldKind::Atomic(params) => {
            h.add_string(&field.name);
            h.add_int(field.number.map_or(-1, |n| n as i32));
            h.add_int(params.len() as i32);
            for p in params {
                hash_param(model, p, None, h);
            }
            hash_keywords(&field.keywords, h);
        }
        FieldKind::Molecular(atoms) => {
            h.add_string(&field.name);
            h.add_int(field.number.map_or(-1, |n| n as i32));
            h.add_int(atoms.len() as i32);
            for &a in atoms {
                hash_field(model, a, h);
            }
        }
        FieldKind::Parameter(p) => hash_param(model, p, Some(&field.keywords), h),
    }
}

fn hash_keywords(k: &KeywordList, h: &mut HashGenerator) {
    if k.flags != u32::MAX {
        h.add_int(k.flags as i32);
    } else {
        h.add_int(k.names.len() as i32);
        for n in &k.names {
            h.add_string(n);
        }
    }
}

fn hash_param(model: &Model, p: &Param, keywords: Option<&KeywordList>, h: &mut HashGenerator) {
    if let Some(k) = keywords {
        if !k.names.is_empty() {
            hash_keywords(k, h);
        }
    }
    hash_type(model, &p.ty, h);
}

fn hash_type(model: &Model, ty: &Type, h: &mut HashGenerator) {
    match ty {
        Type::Simple(s) => {
            h.add_int(s.builtin.code());
            h.add_int(s.divisor as i32);
            if let Some(m) = s.double_modulus() {
                h.add_int(double_to_int(m));
            }
            match &s.range {
                Range::None => {}
                Range::Int(spans) => {
                    h.add_int(spans.len() as i32);
                    for &(lo, hi) in spans {
                        h.add_int(lo as i64 as i32);
                        h.add_int(hi as i64 as i32);
                    }
                }
                Range::Float(spans) => {
                    h.add_int(spans.len() as i32);
                    for &(lo, hi) in spans {
                        h.add_int(double_to_int(lo));
                        h.add_int(double_to_int(hi));
                    }
                }
            }
        }
        Type::Array(a) => {
            hash_param(model, &a.element, None, h);
            if !a.size.is_empty() {
                h.add_int(a.size.len() as i32);
                for &(lo, hi) in &a.size {
                    h.add_int(lo as i32);
                    h.add_int(hi as i32);
                }
            }
        }
        Type::Class(c) => hash_class(model, *c, h),
        Type::Switch(s) => hash_switch(model, *s, h),
        Type::Invalid => {
            h.add_int(20);
            h.add_int(1);
        }
    }
}

fn hash_switch(model: &Model, id: SwitchId, h: &mut HashGenerator) {
    let s = model.switch(id);
    h.add_string(&s.name);
    hash_param(model, &s.key, None, h);
    h.add_int(s.cases.len() as i32);
    for case in &s.cases {
        h.add_blob(&case.value);
        h.add_int(case.fields.len() as i32 + 1);
        hash_param(model, &s.key, None, h);
        for f in &case.fields {
            hash_param(model, f, None, h);
        }
    }
    if let Some(fields) = &s.default {
        h.add_int(fields.len() as i32 + 1);
        hash_param(model, &s.key, None, h);
        for f in fields {
            hash_param(model, f, None, h);
        }
    }
}

/// C's `(int)double` as x86-64 does it: truncation, and `INT_MIN` when out of range.
fn double_to_int(d: f64) -> i32 {
    if d.is_nan() || d >= 2147483648.0 || d <= -2147483649.0 {
        i32::MIN
    } else {
        d as i32
    }
}
