//! Arbitrary bytes as a `.dc` file: load strict and lenient; when a model comes out,
//! hash it and compute (then unpack) the default of up to 20 numbered fields.
//! Nothing may panic, hang or exhaust the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn exercise(model: &dcc::Model) {
    std::hint::black_box(dcc::hash::hash_model(model));
    for &field in model.fields_by_number.iter().take(20) {
        if let Some(bytes) = dcc::pack::field_default(model, field) {
            let _ = std::hint::black_box(dcc::pack::unpack_field(model, field, &bytes));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    for lenient in [false, true] {
        match dcc::load_sources(&[("fuzz.dc", data)], dcc::Options { lenient }) {
            Ok(model) => exercise(&model),
            // Rendering diagnostics walks spans into the source: it must not panic either.
            Err(e) => {
                std::hint::black_box(e.render());
            }
        }
    }
});
