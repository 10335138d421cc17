//! The resolved model of one or more `.dc` files loaded in order.
//!
//! This is what back ends see (hash, packer, code generators): every name resolved,
//! every class and field numbered exactly as Panda3D numbers them.
//!
//! * `classes` is an arena of every class and struct, including inline structs and
//!   the placeholder ("bogus") classes lenient mode creates for unknown names.
//! * `class_list` is Panda's `DCFile` class list: dclasses, named structs and bogus
//!   classes in the order they were added. A dclass's id is its index in this list,
//!   so ids have gaps where structs sit.
//! * `fields` is an arena of every field. Field numbers come from one counter shared
//!   by all classes and structs, assigned when a field is added (post-order).

use crate::ast::Builtin;
use crate::source::{SourceMap, Span};

/// Index of a class in [`Model::classes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassId(pub u32);
/// Index of a field in [`Model::fields`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u32);
/// Index of a switch in [`Model::switches`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SwitchId(pub u32);
/// Index of a typedef in [`Model::typedefs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypedefId(pub u32);

/// Everything loaded.
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// The source files, in load order.
    pub sources: SourceMap,
    /// Arena of classes and structs.
    pub classes: Vec<Class>,
    /// Panda's class list (what dclass ids index).
    pub class_list: Vec<ClassId>,
    /// Arena of fields.
    pub fields: Vec<Field>,
    /// Arena of switches (named and inline).
    pub switches: Vec<Switch>,
    /// Typedefs, including implicit and placeholder ones.
    pub typedefs: Vec<Typedef>,
    /// Declared keywords in declaration order.
    pub keywords: Vec<Keyword>,
    /// Import lines in order.
    pub imports: Vec<Import>,
    /// Numbered fields, indexed by field number.
    pub fields_by_number: Vec<FieldId>,
    /// False when lenient mode created placeholders for undefined names.
    pub all_objects_valid: bool,
}

/// A dclass or struct.
#[derive(Clone, Debug)]
pub struct Class {
    /// The name ("" for an anonymous class).
    pub name: String,
    /// True for a struct.
    pub is_struct: bool,
    /// True for a placeholder created for an undefined name (lenient mode).
    pub bogus: bool,
    /// The dclass id (index in the class list); `None` for structs and inline classes.
    pub number: Option<u32>,
    /// Position in [`Model::class_list`], if registered there.
    pub list_index: Option<u32>,
    /// Parents in declaration order.
    pub parents: Vec<ClassId>,
    /// The constructor (a field named like the class; structs only), if any.
    pub constructor: Option<FieldId>,
    /// Own fields in declaration order (constructor excluded).
    pub fields: Vec<FieldId>,
    /// Inherited field list: parents' fields then own, shadowing by name, sorted by number.
    pub inherited: Vec<FieldId>,
    /// The byte size of every value of this class when they all have the same size
    /// (see [`crate::pack::fixed_size`]). Worked out once when the class is complete:
    /// walking nested structs at every use grows exponentially with nesting.
    pub fixed_size: Option<usize>,
    /// Where it was declared.
    pub span: Span,
}

/// One field of a class or struct.
#[derive(Clone, Debug)]
pub struct Field {
    /// The field name ("" for unnamed struct members).
    pub name: String,
    /// The class it belongs to.
    pub class: ClassId,
    /// Its number (`None` for constructors).
    pub number: Option<u32>,
    /// Atomic, molecular or parameter.
    pub kind: FieldKind,
    /// Keywords attached to the field.
    pub keywords: KeywordList,
    /// True for a placeholder atom created in lenient mode.
    pub bogus: bool,
    /// Where it was declared.
    pub span: Span,
}

/// The three kinds of field.
#[derive(Clone, Debug)]
pub enum FieldKind {
    /// A remote method with parameters.
    Atomic(Vec<Param>),
    /// An alias for several atomic fields.
    Molecular(Vec<FieldId>),
    /// A single typed value.
    Parameter(Param),
}

/// Keywords on a field, with the flag bits used by the hash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeywordList {
    /// Distinct keyword names, sorted by name (byte order), as Panda stores them.
    pub names: Vec<String>,
    /// OR of each keyword's bits when attached (`!0` once a custom keyword is present).
    pub flags: u32,
}

impl KeywordList {
    /// Whether the named keyword is present.
    pub fn has(&self, name: &str) -> bool {
        self.names
            .binary_search_by(|n| n.as_str().cmp(name))
            .is_ok()
    }

    /// The bits of the historical keywords present (`required` 0x001 ... `airecv`
    /// 0x100), custom ones left out: what the field does. Unlike [`KeywordList::flags`]
    /// (the hash's value, `!0` once a custom keyword such as `command` is present), a
    /// custom keyword does not turn on `clsend`, `ram` and the rest.
    pub fn historical_flags(&self) -> u32 {
        crate::resolve::HISTORICAL_KEYWORDS
            .iter()
            .filter(|(name, _)| self.has(name))
            .fold(0, |bits, (_, bit)| bits | bit)
    }
}

/// A declared keyword.
#[derive(Clone, Debug)]
pub struct Keyword {
    /// Its name.
    pub name: String,
    /// Historical bit value, or `!0` for custom (and re-declared) keywords.
    pub flag: u32,
}

/// An import line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// Module path.
    pub module: String,
    /// Symbols with their `/AI`-style view suffixes; empty for `import module`.
    pub symbols: Vec<String>,
}

/// A typedef.
#[derive(Clone, Debug)]
pub struct Typedef {
    /// Its name.
    pub name: String,
    /// The type it names.
    pub param: Param,
    /// Implicit typedef for a class or switch name.
    pub implicit: bool,
    /// Placeholder for an undefined name (lenient mode).
    pub bogus: bool,
}

/// A parameter: a typed value with an optional name and default.
#[derive(Clone, Debug)]
pub struct Param {
    /// The name, if any.
    pub name: Option<String>,
    /// The type.
    pub ty: Type,
    /// The typedef this parameter was made from (and not wrapped since).
    pub typedef: Option<TypedefId>,
    /// The explicit default value (from `=` or the typedef), packed.
    pub default: Option<Vec<u8>>,
    /// Where it was declared.
    pub span: Span,
}

/// A type.
#[derive(Clone, Debug)]
pub enum Type {
    /// A built-in type with its modifiers.
    Simple(SimpleType),
    /// `T[...]`.
    Array(Box<ArrayType>),
    /// A struct or dclass used as a value.
    Class(ClassId),
    /// A switch used as a value.
    Switch(SwitchId),
    /// An undefined type (lenient mode only).
    Invalid,
}

/// A built-in type with divisor, modulus and range.
#[derive(Clone, Debug)]
pub struct SimpleType {
    /// Which built-in.
    pub builtin: Builtin,
    /// The divisor (1 when none).
    pub divisor: u32,
    /// The modulus as written (before scaling), if any.
    pub modulus: Option<f64>,
    /// The range as written (unscaled `(lo, hi)` spans); empty when none.
    pub orig_range: Vec<(f64, f64)>,
    /// The scaled range Panda checks and hashes (spans that overlap after scaling dropped).
    pub range: Range,
}

impl SimpleType {
    /// A plain built-in type.
    pub fn new(builtin: Builtin) -> Self {
        SimpleType {
            builtin,
            divisor: 1,
            modulus: None,
            orig_range: Vec::new(),
            range: Range::None,
        }
    }

    /// `modulus × divisor` as a double.
    pub fn double_modulus(&self) -> Option<f64> {
        self.modulus.map(|m| m * f64::from(self.divisor))
    }

    /// `round(modulus × divisor)` as an integer.
    pub fn int_modulus(&self) -> Option<u64> {
        self.double_modulus().map(|m| (m + 0.5).floor() as u64)
    }
}

/// Scaled value (or length) ranges.
#[derive(Clone, Debug, PartialEq)]
pub enum Range {
    /// No range.
    None,
    /// Integer spans (also lengths of strings and blobs).
    Int(Vec<(i128, i128)>),
    /// Float spans.
    Float(Vec<(f64, f64)>),
}

impl Range {
    /// True when a range is present.
    pub fn is_some(&self) -> bool {
        !matches!(self, Range::None)
    }

    /// Whether an integer value is allowed (always when there is no range).
    pub fn allows_int(&self, v: i128) -> bool {
        match self {
            Range::Int(spans) => spans.iter().any(|&(lo, hi)| lo <= v && v <= hi),
            Range::Float(spans) => spans
                .iter()
                .any(|&(lo, hi)| lo <= v as f64 && v as f64 <= hi),
            Range::None => true,
        }
    }

    /// Whether a float value is allowed (always when there is no range).
    pub fn allows_float(&self, v: f64) -> bool {
        match self {
            Range::Float(spans) => spans.iter().any(|&(lo, hi)| lo <= v && v <= hi),
            Range::Int(spans) => spans
                .iter()
                .any(|&(lo, hi)| lo as f64 <= v && v <= hi as f64),
            Range::None => true,
        }
    }

    /// The single allowed value, when the range is exactly one value.
    pub fn one_value(&self) -> Option<i128> {
        match self {
            Range::Int(spans) if spans.len() == 1 && spans[0].0 == spans[0].1 => Some(spans[0].0),
            _ => None,
        }
    }

    /// The first span's minimum.
    pub fn first_min(&self) -> Option<f64> {
        match self {
            Range::Int(spans) => spans.first().map(|s| s.0 as f64),
            Range::Float(spans) => spans.first().map(|s| s.0),
            Range::None => None,
        }
    }
}

/// An array type.
#[derive(Clone, Debug)]
pub struct ArrayType {
    /// The element.
    pub element: Param,
    /// Allowed element counts; empty for any count.
    pub size: Vec<(u32, u32)>,
    /// The byte size Panda computed when it built this array (`None` when variable).
    /// Panda does not update it when brackets are later applied to the element, so
    /// `uint8 a[2][]` keeps a fixed outer size and is packed without an outer prefix.
    pub fixed_size: Option<usize>,
}

impl ArrayType {
    /// The fixed element count, when the size range is one value.
    pub fn fixed_count(&self) -> Option<u32> {
        match self.size.as_slice() {
            [(lo, hi)] if lo == hi => Some(*lo),
            _ => None,
        }
    }

    /// True when a uint16 byte-length prefix precedes the elements.
    pub fn has_prefix(&self) -> bool {
        self.fixed_size.is_none()
    }
}

/// A switch.
#[derive(Clone, Debug)]
pub struct Switch {
    /// Its name ("" for inline switches).
    pub name: String,
    /// The key parameter.
    pub key: Param,
    /// Cases in order: packed key value and the fields after the key.
    pub cases: Vec<SwitchCase>,
    /// The default case's fields (after the key), if there is a default.
    pub default: Option<Vec<Param>>,
    /// The byte size of every value when all cases have the same size, worked out once
    /// when the switch is complete (like [`Class::fixed_size`]).
    pub fixed_size: Option<usize>,
    /// Where it was declared.
    pub span: Span,
}

/// One `case` of a switch.
#[derive(Clone, Debug)]
pub struct SwitchCase {
    /// The case value packed with the key's encoding.
    pub value: Vec<u8>,
    /// The fields of this case, after the key.
    pub fields: Vec<Param>,
}

impl Model {
    /// The class behind an id.
    pub fn class(&self, id: ClassId) -> &Class {
        &self.classes[id.0 as usize]
    }

    /// The field behind an id.
    pub fn field(&self, id: FieldId) -> &Field {
        &self.fields[id.0 as usize]
    }

    /// The switch behind an id.
    pub fn switch(&self, id: SwitchId) -> &Switch {
        &self.switches[id.0 as usize]
    }

    /// Looks up a registered class or struct by name.
    pub fn class_by_name(&self, name: &str) -> Option<ClassId> {
        self.class_list
            .iter()
            .copied()
            .find(|&c| self.class(c).name == name)
    }

    /// Looks up a field of a class by name: own fields (constructor included) first,
    /// then each parent depth-first, as Panda's `get_field_by_name` does.
    pub fn field_by_name(&self, class: ClassId, name: &str) -> Option<FieldId> {
        let c = self.class(class);
        if let Some(ctor) = c.constructor {
            if self.field(ctor).name == name {
                return Some(ctor);
            }
        }
        if let Some(&f) = c.fields.iter().find(|&&f| self.field(f).name == name) {
            return Some(f);
        }
        c.parents.iter().find_map(|&p| self.field_by_name(p, name))
    }

    /// The number of registered dclasses and structs.
    pub fn num_classes(&self) -> usize {
        self.class_list.len()
    }
}
