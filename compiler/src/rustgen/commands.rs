//! The pipes conventions for input commands and prediction, checked before generating
//! Rust (the runtime relies on them; see `pipes::schema::FieldInfo::is_command`).
//!
//! * A field with the custom keyword `command` is an input command: the owner sends it
//!   as a sequenced stream. It must be an atomic field with `ownsend` (commands drive
//!   the sender's own object; a `clsend` command would let anyone drive it), and not
//!   state (`ram`/`required`: a command is applied by the game, not stored).
//! * A field with `predicted` is state the client predicts and the server sends with
//!   each command acknowledgement: it must be `ram` or `required`, and not molecular.

use super::CodegenError;
use crate::model::{FieldKind, Model};

/// Checks every `command` and `predicted` field against the rules above.
pub(super) fn check_command_fields(model: &Model) -> Result<(), CodegenError> {
    for f in &model.fields {
        let kw = &f.keywords;
        let class = model
            .classes
            .get(f.class.0 as usize)
            .map_or("", |c| c.name.as_str());
        let state = kw.has("ram") || kw.has("required");
        let fail = |why: &str| CodegenError {
            message: format!("{class}.{}: {why}", f.name),
        };
        if kw.has("command") {
            if !matches!(f.kind, FieldKind::Atomic(_)) {
                return Err(fail("a `command` field must be an atomic field"));
            }
            if !kw.has("ownsend") || kw.has("clsend") {
                return Err(fail(
                    "a `command` field must be `ownsend` and not `clsend` (only the owner drives its object)",
                ));
            }
            if state {
                return Err(fail(
                    "a `command` field is input, not state: remove `ram`/`required`",
                ));
            }
        }
        if kw.has("predicted") && (!state || matches!(f.kind, FieldKind::Molecular(_))) {
            return Err(fail(
                "a `predicted` field must be a `ram` or `required` atomic or parameter field",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::rustgen::generate_rust;

    fn gen(body: &str) -> Result<String, String> {
        let text = format!("keyword command;\nkeyword predicted;\ndclass A {{\n{body}\n}};\n");
        let model = crate::load_sources(&[("t.dc", text.as_bytes())], Default::default())
            .map_err(|e| format!("{e:?}"))?;
        generate_rust(&model).map_err(|e| e.message)
    }

    #[test]
    fn commands_and_predicted_fields_follow_the_conventions() {
        assert!(gen("setS(float64 x) ram predicted;\nmove(int8 v) ownsend command;").is_ok());
        let cases = [
            ("move(int8 v) clsend command;", "must be `ownsend`"),
            ("move(int8 v) ownsend clsend command;", "must be `ownsend`"),
            ("move(int8 v) ownsend ram command;", "input, not state"),
            (
                "setS(float64 x) broadcast predicted;",
                "`predicted` field must be",
            ),
        ];
        for (body, want) in cases {
            let err = gen(body).expect_err(body);
            assert!(err.contains(want) && err.starts_with("A."), "{body}: {err}");
        }
    }
}
