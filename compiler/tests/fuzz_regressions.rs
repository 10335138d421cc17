//! Inputs found while fuzzing the parser (`compiler/fuzz`, see its README) and by
//! probing the sizes it exercises. Each must load (Ok or Err) without panicking.
//!
//! Panda3D 1.10.16 accepts every schema here (`DCFile::read` returns true); its
//! byte sizes are `size_t` and wrap silently.

fn loads_without_panic(name: &str, text: &str) {
    for lenient in [false, true] {
        let result = std::panic::catch_unwind(|| {
            dcc::load_sources(&[(name, text.as_bytes())], dcc::Options { lenient })
                .map(|model| dcc::hash::hash_model(&model))
                .map_err(|e| e.render())
        });
        assert!(result.is_ok(), "{name} (lenient: {lenient}) panicked");
    }
}

/// `resolve.rs` `append_array`: `n * size` overflows when the element of a fixed
/// array is itself a large fixed-size type (here 8 × 4294967295 × 4294967295 bytes).
#[test]
fn fixed_array_byte_size_multiply_overflow() {
    loads_without_panic(
        "mul3.dc",
        "typedef uint64 A[4294967295];\ndclass D {\n  f(A x[4294967295]);\n};\n",
    );
}

/// `pack.rs` `fixed_size` (class case): `total +=` overflows summing two struct
/// members of (2^32-1)^2 bytes each, when the struct is used as an array element.
#[test]
fn struct_fixed_size_add_overflow() {
    loads_without_panic(
        "sum5.dc",
        "typedef uint8 A[4294967295];\ntypedef A B[4294967295];\n\
         struct S {\n  B a;\n  B b;\n};\ndclass D {\n  f(S x[1]);\n};\n",
    );
}

/// `pack.rs` `params_fixed_size`: the `.sum()` of a switch case's field sizes
/// overflows.
#[test]
fn switch_case_fixed_size_sum_overflow() {
    loads_without_panic(
        "sw1.dc",
        "typedef uint8 A[4294967295];\ntypedef A B[4294967295];\n\
         switch S (uint8) {\ncase 0:\n  B a;\n  B b;\n  break;\n};\n\
         dclass D {\n  f(S x[1]);\n};\n",
    );
}

/// `pack::field_default` builds the implicit default of a fixed array element by
/// element: for this 40-byte schema that is 4e9 iterations and a 4 GB buffer (the
/// fuzzer times out; `dcc info` on the file never finishes). Loading is fine; the
/// default should be refused (None) above some size instead.
#[test]
fn huge_fixed_array_default_is_bounded() {
    let text = "dclass A { f(uint8 x[4000000000]); };";
    let model =
        dcc::load_sources(&[("big1.dc", text.as_bytes())], dcc::Options::default()).expect("loads");
    let field = model.fields_by_number[0];
    let _ = dcc::pack::field_default(&model, field);
}

/// Bounding each array's count is not enough: nested fixed arrays multiply.
/// `uint8 x[65535][65535]` has a 4.3 GB implicit default (each level is under
/// the 65,536 list limit), so `field_default` still runs for minutes and the
/// fuzzer times out. Panda3D accepts the file (hash 0x00d209cb).
#[test]
fn nested_fixed_array_default_is_bounded() {
    let text = "dclass A { f(uint8 x[65535][65535]); };";
    let model =
        dcc::load_sources(&[("big2.dc", text.as_bytes())], dcc::Options::default()).expect("loads");
    let _ = dcc::pack::field_default(&model, model.fields_by_number[0]);
}

/// Zero-size elements: the default of `E x[65535][65535][65535]` (E an empty
/// struct) is empty, but building it takes 2.8e14 steps. A bound on bytes
/// written does not catch this; a bound on elements visited does. Panda3D accepts
/// the file (hash 0x024027d0).
#[test]
fn zero_size_nested_array_default_is_bounded() {
    let text = "struct E {\n};\ndclass A {\n  f(E x[65535][65535][65535]);\n};\n";
    let model = dcc::load_sources(&[("empty.dc", text.as_bytes())], dcc::Options::default())
        .expect("loads");
    let _ = dcc::pack::field_default(&model, model.fields_by_number[0]);
}

/// The same field unpacked from no bytes at all: every element consumes zero
/// bytes, so `unpack_field` loops 2.8e14 times and grows its output string
/// without bound (`dcc unpack --class A --field f --hex ""` never finishes).
#[test]
fn zero_size_nested_array_unpack_is_bounded() {
    let text = "struct E {\n};\ndclass A {\n  f(E x[65535][65535][65535]);\n};\n";
    let model = dcc::load_sources(&[("empty.dc", text.as_bytes())], dcc::Options::default())
        .expect("loads");
    let _ = dcc::pack::unpack_field(&model, model.fields_by_number[0], b"");
}

/// Forty levels of structs that each hold two of the previous one: every value of
/// `S40` is 2^40 bytes. Sizes, the hash and defaults must not walk every copy (they
/// did: `dcc check` and `dcc build` never finished; Panda3D never finishes either).
#[test]
fn exponentially_nested_structs_are_linear() {
    let mut text = String::from("struct S0 { uint8 a; };\n");
    for i in 1..=40 {
        text += &format!("struct S{i} {{ S{p} a; S{p} b; }};\n", p = i - 1);
    }
    text += "dclass D { setS(S40) ram; };\n";
    let model =
        dcc::load_sources(&[("deep.dc", text.as_bytes())], dcc::Options::default()).expect("loads");
    let s40 = model.class_list[40];
    assert_eq!(
        dcc::pack::fixed_size(&model, &dcc::model::Type::Class(s40)),
        Some(1 << 40)
    );
    let _ = dcc::hash::hash_model(&model);
    // Too large to build: no default rather than 1 TiB of zeros.
    assert_eq!(
        dcc::pack::field_default(&model, model.fields_by_number[81]),
        None
    );
}
