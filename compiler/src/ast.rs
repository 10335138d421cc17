//! The syntax tree of one `.dc` file, as written, with spans.
//!
//! Nothing here is resolved: names are strings, numbers are literal values. The
//! resolver (`resolve`) walks declarations in source order, as Panda's parser actions
//! do, and builds the [`crate::model::Model`].

use crate::source::Span;

/// A name with its place in the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The identifier text.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A whole file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct File {
    /// Top-level declarations in order.
    pub decls: Vec<Decl>,
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum Decl {
    /// `import x` / `from x import a, b`.
    Import(Import),
    /// `typedef <parameter>`.
    Typedef(Param),
    /// `keyword a b c`.
    Keyword(Vec<Ident>),
    /// `dclass` or `struct`.
    Class(ClassDecl),
    /// A named top-level `switch`.
    Switch(SwitchDecl),
}

/// An import line.
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// The module path, such as `direct.distributed`.
    pub module: String,
    /// Imported symbols (`*` for a star import); empty for `import module`.
    pub symbols: Vec<String>,
    /// The whole declaration.
    pub span: Span,
}

/// A dclass or struct (top-level or inline).
#[derive(Clone, Debug, PartialEq)]
pub struct ClassDecl {
    /// True for `struct`.
    pub is_struct: bool,
    /// The name, if any.
    pub name: Option<Ident>,
    /// Parent names in order.
    pub parents: Vec<Ident>,
    /// Fields in order.
    pub fields: Vec<FieldDecl>,
    /// From the keyword to the closing brace.
    pub span: Span,
}

/// A field in a class or struct body.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldDecl {
    /// `name(params) keywords`.
    Atomic {
        /// The method.
        atomic: AtomicDecl,
        /// Trailing keywords.
        keywords: Vec<Ident>,
    },
    /// `name : a, b`.
    Molecular {
        /// The field name.
        name: Ident,
        /// The atom names.
        atoms: Vec<Ident>,
        /// The whole field.
        span: Span,
    },
    /// `type name = default keywords`.
    Parameter {
        /// The parameter.
        param: Param,
        /// Trailing keywords.
        keywords: Vec<Ident>,
    },
}

/// `name(params)`.
#[derive(Clone, Debug, PartialEq)]
pub struct AtomicDecl {
    /// The method name, if written.
    pub name: Option<Ident>,
    /// Its parameters.
    pub params: Vec<Param>,
    /// The whole method.
    pub span: Span,
}

/// A parameter: a type, an optional name part and an optional default value.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The type as written before the name.
    pub ty: TypeExpr,
    /// The name and the suffixes written after it.
    pub name: Option<NamePart>,
    /// `= value`.
    pub default: Option<Value>,
    /// The whole parameter.
    pub span: Span,
}

/// The name of a parameter, with `/N`, `%M` and `[...]` suffixes written after it.
#[derive(Clone, Debug, PartialEq)]
pub struct NamePart {
    /// The parameter name.
    pub name: Ident,
    /// Suffixes in order.
    pub suffixes: Vec<Suffix>,
}

/// A type before the name: a base and array suffixes.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    /// The base type.
    pub base: TypeBase,
    /// `[...]` suffixes in order.
    pub arrays: Vec<SizeRange>,
    /// The whole type.
    pub span: Span,
}

/// The base of a type expression.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeBase {
    /// A built-in type with modifiers in written order.
    Simple {
        /// Which built-in.
        builtin: Builtin,
        /// Ranges, divisors and moduli in the order written.
        mods: Vec<Suffix>,
    },
    /// A typedef, class, struct or switch name.
    Named(Ident),
    /// `struct { ... }` written inline.
    Struct(Box<ClassDecl>),
    /// `switch (...) { ... }` written inline.
    Switch(Box<SwitchDecl>),
}

/// A modifier on a simple type or after a parameter name.
#[derive(Clone, Debug, PartialEq)]
pub enum Suffix {
    /// `(ranges)`.
    Range(Vec<RangeItem>, Span),
    /// `/ N`.
    Divisor(u64, Span),
    /// `% M`.
    Modulus(f64, Span),
    /// `[sizes]` (only after a name).
    Array(SizeRange),
}

/// One `lo` or `lo-hi` item of a value range, as doubles (as Panda reads them).
#[derive(Clone, Debug, PartialEq)]
pub struct RangeItem {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
    /// Where it was written.
    pub span: Span,
}

/// `[...]`: allowed element counts.
#[derive(Clone, Debug, PartialEq)]
pub struct SizeRange {
    /// `(lo, hi)` spans; empty for `[]`.
    pub items: Vec<(u32, u32, Span)>,
    /// The brackets.
    pub span: Span,
}

/// The 20 built-in types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Builtin {
    Int8,
    Int16,
    Int32,
    Int64,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Float64,
    String,
    Blob,
    Blob32,
    Int16Array,
    Int32Array,
    Uint16Array,
    Uint32Array,
    Int8Array,
    Uint8Array,
    Uint32Uint8Array,
    Char,
}

impl Builtin {
    /// Panda's `DCSubatomicType` code (hashed).
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The type word.
    pub fn name(self) -> &'static str {
        use Builtin::*;
        match self {
            Int8 => "int8",
            Int16 => "int16",
            Int32 => "int32",
            Int64 => "int64",
            Uint8 => "uint8",
            Uint16 => "uint16",
            Uint32 => "uint32",
            Uint64 => "uint64",
            Float64 => "float64",
            String => "string",
            Blob => "blob",
            Blob32 => "blob32",
            Int16Array => "int16array",
            Int32Array => "int32array",
            Uint16Array => "uint16array",
            Uint32Array => "uint32array",
            Int8Array => "int8array",
            Uint8Array => "uint8array",
            Uint32Uint8Array => "uint32uint8array",
            Char => "char",
        }
    }

    /// How one integer of this type is packed, as `(bytes, signed)`: integer array
    /// types give their element's layout, `char` is one unsigned byte, and the other
    /// types (`float64`, strings, blobs, `uint32uint8array`) give `None`. Read the
    /// value with [`crate::pack::int_from_le`].
    pub fn int_layout(self) -> Option<(usize, bool)> {
        use Builtin::*;
        Some(match self {
            Int8 | Int8Array => (1, true),
            Int16 | Int16Array => (2, true),
            Int32 | Int32Array => (4, true),
            Int64 => (8, true),
            Uint8 | Char | Uint8Array => (1, false),
            Uint16 | Uint16Array => (2, false),
            Uint32 | Uint32Array => (4, false),
            Uint64 => (8, false),
            Float64 | String | Blob | Blob32 | Uint32Uint8Array => return None,
        })
    }

    /// The element of a legacy integer array type (`int16array` → `int16`); `None`
    /// for other types (`uint32uint8array` holds pairs, not one element type).
    pub fn legacy_element(self) -> Option<Builtin> {
        use Builtin::*;
        Some(match self {
            Int8Array => Int8,
            Int16Array => Int16,
            Int32Array => Int32,
            Uint8Array => Uint8,
            Uint16Array => Uint16,
            Uint32Array => Uint32,
            _ => return None,
        })
    }

    /// Every built-in type word, in Panda's order.
    pub const ALL: [Builtin; 20] = {
        use Builtin::*;
        [
            Int8,
            Int16,
            Int32,
            Int64,
            Uint8,
            Uint16,
            Uint32,
            Uint64,
            Float64,
            String,
            Blob,
            Blob32,
            Int16Array,
            Int32Array,
            Uint16Array,
            Uint32Array,
            Int8Array,
            Uint8Array,
            Uint32Uint8Array,
            Char,
        ]
    };

    /// Looks a type word up.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Self::ALL.into_iter().find(|b| b.name() == name)
    }
}

/// A switch declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct SwitchDecl {
    /// The name, if any.
    pub name: Option<Ident>,
    /// The key parameter.
    pub key: Param,
    /// Body items in order.
    pub items: Vec<SwitchItem>,
    /// The whole switch.
    pub span: Span,
}

/// An item of a switch body.
#[derive(Clone, Debug, PartialEq)]
pub enum SwitchItem {
    /// `case value:`.
    Case(Value),
    /// `default:`.
    Default(Span),
    /// `break;`.
    Break,
    /// A field for the open cases.
    Field(Param),
}

/// A value in DC value syntax (defaults, case labels, `dcc pack` input).
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// `name =` written before it.
    pub name: Option<Ident>,
    /// The value.
    pub kind: ValueKind,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of value.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// A signed token (`-5`, `+3`).
    Int(i64),
    /// An unsigned token (`5`, `0x1f`).
    Uint(u64),
    /// A real token (`1.5`).
    Real(f64),
    /// A quoted string.
    Str(Vec<u8>),
    /// `<hex>`: spliced in raw.
    Hex(Vec<u8>),
    /// `value * count`.
    Repeat(Box<ValueKind>, u32),
    /// A bracketed list.
    List(Vec<Value>),
}
