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

    /// Adds a string: its length, then each char as a signed byte (Latin-1).
    pub fn add_string(&mut self, s: &str) {
        let _ = Feed::string(self, s);
    }

    /// Adds a blob: its length, then each byte unsigned.
    pub fn add_blob(&mut self, b: &[u8]) {
        let _ = Feed::blob(self, b);
    }

    /// The hash so far.
    pub fn hash(&self) -> u32 {
        self.acc
    }
}

/// The hash of everything loaded into the model.
///
/// Panda walks every nested struct in full each time it is used, so the walk can grow
/// exponentially (forty levels of structs that each hold two of the previous one is
/// 2^40 steps; Panda itself never finishes). The plain walk runs under a step budget
/// that no real schema comes near (open-toontown's otp+toon take 59,126 steps); beyond it,
/// [`hash_model`] switches to an equivalent walk that hashes each nested struct once
/// per possible prime-table position, which is linear in the schema's size.
pub fn hash_model(model: &Model) -> u32 {
    let mut plain = Plain {
        h: HashGenerator::default(),
        steps_left: PLAIN_WALK_STEPS,
    };
    match hash_file(model, &mut plain) {
        Ok(()) => plain.h.hash(),
        Err(OverBudget) => hash_model_memoized(model),
    }
}

/// Steps the plain walk may take before [`hash_model`] switches to the memoized walk.
const PLAIN_WALK_STEPS: u64 = 4_000_000;

/// [`hash_model`] through the memoized walk only (public for tests and benchmarks).
pub fn hash_model_memoized(model: &Model) -> u32 {
    let mut memo = Memo::default();
    let mut feed = Memoized {
        memo: &mut memo,
        sink: Sink::Accumulate(HashGenerator::default()),
    };
    // The memoized walk never runs out of budget.
    let _ = hash_file(model, &mut feed);
    match feed.sink {
        Sink::Accumulate(h) => h.hash(),
        Sink::Record(_) => unreachable!("the top-level sink accumulates"),
    }
}

/// The plain walk ran out of steps.
struct OverBudget;

type Step = Result<(), OverBudget>;

/// Where the walk's integers go, and how a struct nested in a parameter is hashed.
trait Feed {
    fn int(&mut self, n: i32) -> Step;
    fn nested(&mut self, model: &Model, item: Nested) -> Step;

    /// A string: its length, then each char as a signed byte (names are ASCII; other
    /// chars are Latin-1 bytes, one per char).
    fn string(&mut self, s: &str) -> Step {
        self.int(s.chars().count() as i32)?;
        for c in s.chars() {
            self.int(i32::from(c as u32 as u8 as i8))?;
        }
        Ok(())
    }

    /// A blob: its length, then each byte unsigned.
    fn blob(&mut self, b: &[u8]) -> Step {
        self.int(b.len() as i32)?;
        for &x in b {
            self.int(i32::from(x))?;
        }
        Ok(())
    }
}

/// A type nested in a parameter, whose whole walk is repeated at each use.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Nested {
    Class(ClassId),
    Switch(SwitchId),
}

impl Nested {
    fn walk(self, model: &Model, h: &mut impl Feed) -> Step {
        match self {
            Nested::Class(id) => hash_class(model, id, h),
            Nested::Switch(id) => hash_switch(model, id, h),
        }
    }
}

/// A bare generator: every integer counts, nested types are walked in place.
impl Feed for HashGenerator {
    fn int(&mut self, n: i32) -> Step {
        self.add_int(n);
        Ok(())
    }

    fn nested(&mut self, model: &Model, item: Nested) -> Step {
        item.walk(model, self)
    }
}

/// Panda's walk as written: nested structs inline, counted against a budget.
struct Plain {
    h: HashGenerator,
    steps_left: u64,
}

impl Feed for Plain {
    fn int(&mut self, n: i32) -> Step {
        self.steps_left = self.steps_left.checked_sub(1).ok_or(OverBudget)?;
        self.h.add_int(n);
        Ok(())
    }

    fn nested(&mut self, model: &Model, item: Nested) -> Step {
        item.walk(model, self)
    }
}

/// What one struct's walk adds to the hash, for every position in the prime table it
/// could start at. The hash is linear (`Σ prime[(start + j) mod P] · v_j`), so this
/// table and the walk's length mod P replace the walk wherever the struct is nested.
struct Segment {
    by_start: Box<[u32]>,
    len_mod: usize,
}

/// Segments of the structs hashed so far.
#[derive(Default)]
struct Memo {
    segments: std::collections::HashMap<Nested, std::rc::Rc<Segment>>,
}

/// One piece of a struct's walk: a plain integer or an already hashed nested struct.
enum Piece {
    Int(i32),
    Nested(std::rc::Rc<Segment>),
}

enum Sink {
    Accumulate(HashGenerator),
    Record(Vec<Piece>),
}

/// The linear-time walk: each nested struct is hashed once, into a [`Segment`].
struct Memoized<'a> {
    memo: &'a mut Memo,
    sink: Sink,
}

impl Feed for Memoized<'_> {
    fn int(&mut self, n: i32) -> Step {
        match &mut self.sink {
            Sink::Accumulate(h) => h.add_int(n),
            Sink::Record(pieces) => pieces.push(Piece::Int(n)),
        }
        Ok(())
    }

    fn nested(&mut self, model: &Model, item: Nested) -> Step {
        let segment = segment(model, item, self.memo);
        match &mut self.sink {
            Sink::Accumulate(h) => h.add_segment(&segment),
            Sink::Record(pieces) => pieces.push(Piece::Nested(segment)),
        }
        Ok(())
    }
}

/// The segment of a struct or switch, computed once. Recursion depth is the nesting
/// depth, which the resolver bounds (a type can only hold types defined before it).
fn segment(model: &Model, item: Nested, memo: &mut Memo) -> std::rc::Rc<Segment> {
    if let Some(found) = memo.segments.get(&item) {
        return found.clone();
    }
    let mut feed = Memoized {
        memo,
        sink: Sink::Record(Vec::new()),
    };
    let _ = item.walk(model, &mut feed);
    let Sink::Record(pieces) = feed.sink else {
        unreachable!("a segment is recorded")
    };
    let primes = primes();
    let mut by_start = vec![0u32; NUM_PRIMES].into_boxed_slice();
    let mut len_mod = 0;
    for (start, out) in by_start.iter_mut().enumerate() {
        let mut h = HashGenerator {
            primes,
            index: start,
            acc: 0,
        };
        for piece in &pieces {
            match piece {
                Piece::Int(n) => h.add_int(*n),
                Piece::Nested(s) => h.add_segment(s),
            }
        }
        *out = h.acc;
        len_mod = (h.index + NUM_PRIMES - start) % NUM_PRIMES;
    }
    let segment = std::rc::Rc::new(Segment { by_start, len_mod });
    memo.segments.insert(item, segment.clone());
    segment
}

impl HashGenerator {
    /// Adds a whole struct's walk from its segment.
    fn add_segment(&mut self, s: &Segment) {
        self.acc = self.acc.wrapping_add(s.by_start[self.index]);
        self.index = (self.index + s.len_mod) % NUM_PRIMES;
    }
}

fn hash_file(model: &Model, h: &mut impl Feed) -> Step {
    // dc-virtual-inheritance with sort-by-file (Panda's defaults) adds 1.
    h.int(1)?;
    h.int(model.class_list.len() as i32)?;
    for &c in &model.class_list {
        hash_class(model, c, h)?;
    }
    Ok(())
}

fn hash_class(model: &Model, id: ClassId, h: &mut impl Feed) -> Step {
    let class = model.class(id);
    h.string(&class.name)?;
    if class.is_struct {
        h.int(1)?;
    }
    h.int(class.parents.len() as i32)?;
    for &p in &class.parents {
        h.int(model.class(p).number.map_or(-1, |n| n as i32))?;
    }
    if let Some(ctor) = class.constructor {
        hash_field(model, ctor, h)?;
    }
    h.int(class.fields.len() as i32)?;
    for &f in &class.fields {
        hash_field(model, f, h)?;
    }
    Ok(())
}

fn hash_field(model: &Model, id: FieldId, h: &mut impl Feed) -> Step {
    let field = model.field(id);
    match &field.kind {
        FieldKind::Atomic(params) => {
            h.string(&field.name)?;
            h.int(field.number.map_or(-1, |n| n as i32))?;
            h.int(params.len() as i32)?;
            for p in params {
                hash_param(model, p, None, h)?;
            }
            hash_keywords(&field.keywords, h)
        }
        FieldKind::Molecular(atoms) => {
            h.string(&field.name)?;
            h.int(field.number.map_or(-1, |n| n as i32))?;
            h.int(atoms.len() as i32)?;
            for &a in atoms {
                hash_field(model, a, h)?;
            }
            Ok(())
        }
        FieldKind::Parameter(p) => hash_param(model, p, Some(&field.keywords), h),
    }
}

fn hash_keywords(k: &KeywordList, h: &mut impl Feed) -> Step {
    if k.flags != u32::MAX {
        h.int(k.flags as i32)
    } else {
        h.int(k.names.len() as i32)?;
        for n in &k.names {
            h.string(n)?;
        }
        Ok(())
    }
}

fn hash_param(model: &Model, p: &Param, keywords: Option<&KeywordList>, h: &mut impl Feed) -> Step {
    if let Some(k) = keywords {
        if !k.names.is_empty() {
            hash_keywords(k, h)?;
        }
    }
    hash_type(model, &p.ty, h)
}

fn hash_type(model: &Model, ty: &Type, h: &mut impl Feed) -> Step {
    match ty {
        Type::Simple(s) => {
            h.int(s.builtin.code())?;
            h.int(s.divisor as i32)?;
            if let Some(m) = s.double_modulus() {
                h.int(double_to_int(m))?;
            }
            match &s.range {
                Range::None => {}
                Range::Int(spans) => {
                    h.int(spans.len() as i32)?;
                    for &(lo, hi) in spans {
                        h.int(lo as i64 as i32)?;
                        h.int(hi as i64 as i32)?;
                    }
                }
                Range::Float(spans) => {
                    h.int(spans.len() as i32)?;
                    for &(lo, hi) in spans {
                        h.int(double_to_int(lo))?;
                        h.int(double_to_int(hi))?;
                    }
                }
            }
            Ok(())
        }
        Type::Array(a) => {
            hash_param(model, &a.element, None, h)?;
            if !a.size.is_empty() {
                h.int(a.size.len() as i32)?;
                for &(lo, hi) in &a.size {
                    h.int(lo as i32)?;
                    h.int(hi as i32)?;
                }
            }
            Ok(())
        }
        Type::Class(c) => h.nested(model, Nested::Class(*c)),
        Type::Switch(s) => h.nested(model, Nested::Switch(*s)),
        Type::Invalid => {
            h.int(20)?;
            h.int(1)
        }
    }
}

fn hash_switch(model: &Model, id: SwitchId, h: &mut impl Feed) -> Step {
    let s = model.switch(id);
    h.string(&s.name)?;
    hash_param(model, &s.key, None, h)?;
    h.int(s.cases.len() as i32)?;
    for case in &s.cases {
        h.blob(&case.value)?;
        h.int(case.fields.len() as i32 + 1)?;
        hash_param(model, &s.key, None, h)?;
        for f in &case.fields {
            hash_param(model, f, None, h)?;
        }
    }
    if let Some(fields) = &s.default {
        h.int(fields.len() as i32 + 1)?;
        hash_param(model, &s.key, None, h)?;
        for f in fields {
            hash_param(model, f, None, h)?;
        }
    }
    Ok(())
}

/// C's `(int)double` as x86-64 does it: truncation, and `INT_MIN` when out of range.
fn double_to_int(d: f64) -> i32 {
    if d.is_nan() || d >= 2147483648.0 || d <= -2147483649.0 {
        i32::MIN
    } else {
        d as i32
    }
}
