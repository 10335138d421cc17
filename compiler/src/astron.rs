//! `--target astron`: what Astron's `.dc` parser and client agent cannot take, and the
//! `astrond.yml` fragment (`dc_files`, `uberdogs`, `manual_dc_hash`) for a schema.
//!
//! Astron's grammar is a subset of Panda3D's and its client agent recomputes the DC hash
//! with its own "legacy hash" (see `astron.md` §6):
//!
//! * `switch` and `blob32` do not parse in Astron: errors.
//! * A keyword other than Astron's nine built-ins crashes `astrond` while it hashes the
//!   file (upstream bug): a warning that asks for `manual_dc_hash` with our hash.
//! * `float32` also breaks hash parity, but Panda3D (and so `dcc`) already rejects it.

use crate::diagnostic::Diagnostic;
use crate::hash;
use crate::model::{FieldKind, Model, Param, Type};
use crate::source::{FileId, Span};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// The keywords Astron declares itself (`Astron:src/core/main.cpp`).
pub const ASTRON_KEYWORDS: [&str; 9] = [
    "required",
    "ram",
    "db",
    "broadcast",
    "clrecv",
    "clsend",
    "ownsend",
    "ownrecv",
    "airecv",
];

/// The result of checking a model for Astron.
#[derive(Debug, Default)]
pub struct Report {
    /// Errors (Astron rejects the file) and warnings (usable with a config change).
    pub diagnostics: Vec<Diagnostic>,
    /// Custom keywords in the file: the client agent needs `manual_dc_hash`.
    pub custom_keywords: Vec<String>,
}

impl Report {
    /// Whether Astron can load the files (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.diagnostics
            .iter()
            .all(|d| d.severity != crate::diagnostic::Severity::Error)
    }

    /// Whether the client agent must be given `manual_dc_hash`.
    pub fn needs_manual_hash(&self) -> bool {
        !self.custom_keywords.is_empty()
    }
}

/// Checks a loaded model against what Astron accepts.
pub fn check(model: &Model) -> Report {
    let mut report = Report::default();
    let mut seen_switches = BTreeSet::new();
    for field in &model.fields {
        match &field.kind {
            FieldKind::Atomic(params) => params
                .iter()
                .for_each(|p| check_param(model, p, &mut seen_switches, &mut report)),
            FieldKind::Parameter(p) => check_param(model, p, &mut seen_switches, &mut report),
            FieldKind::Molecular(_) => {}
        }
    }
    let model_hash = hash::hash_model(model);
    for kw in &model.keywords {
        if ASTRON_KEYWORDS.contains(&kw.name.as_str()) || report.custom_keywords.contains(&kw.name)
        {
            continue;
        }
        let used = model.fields.iter().find(|f| f.keywords.has(&kw.name));
        let span = used.map_or(Span::new(FileId(0), 0, 0), |f| f.span);
        report.diagnostics.push(
            Diagnostic::warning(
                span,
                format!(
                    "custom keyword `{}`: astrond crashes computing the DC hash of a file with custom keywords",
                    kw.name
                ),
            )
            .with_hint(format!(
                "set `manual_dc_hash: {model_hash:#010x}` in the clientagent role (`dcc astron-config` adds it)"
            )),
        );
        report.custom_keywords.push(kw.name.clone());
    }
    report
}

fn check_param(
    model: &Model,
    param: &Param,
    seen_switches: &mut BTreeSet<u32>,
    report: &mut Report,
) {
    match &param.ty {
        Type::Simple(s) if s.builtin == crate::ast::Builtin::Blob32 => {
            report.diagnostics.push(
                Diagnostic::error(param.span, "Astron has no `blob32` type")
                    .with_hint("use `blob` (uint16 length, up to 65535 bytes)"),
            );
        }
        Type::Array(a) => check_param(model, &a.element, seen_switches, report),
        Type::Switch(id) if seen_switches.insert(id.0) => {
            let switch = &model.switches[id.0 as usize];
            report.diagnostics.push(
                Diagnostic::error(switch.span, "Astron cannot parse `switch`")
                    .with_hint("split the variants into separate fields or structs"),
            );
            let cases = switch.cases.iter().flat_map(|c| c.fields.iter());
            for p in cases.chain(switch.default.iter().flatten()) {
                check_param(model, p, seen_switches, report);
            }
        }
        _ => {}
    }
}

/// An UberDOG entry for `astrond.yml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uberdog {
    /// Its fixed doId.
    pub id: u32,
    /// Its dclass name.
    pub class: String,
    /// Reachable before login (a login manager).
    pub anonymous: bool,
}

impl std::str::FromStr for Uberdog {
    type Err = String;

    /// Parses `Class=ID` or `Class=ID:anonymous`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (class, rest) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}`: expected CLASS=ID[:anonymous]"))?;
        let (id, anonymous) = match rest.split_once(':') {
            Some((id, "anonymous")) => (id, true),
            Some((_, other)) => return Err(format!("`{s}`: unknown flag `{other}`")),
            None => (rest, false),
        };
        let id = id
            .parse()
            .map_err(|_| format!("`{s}`: `{id}` is not a doId"))?;
        Ok(Uberdog {
            id,
            class: class.to_owned(),
            anonymous,
        })
    }
}

/// The `general.dc_files` and `uberdogs` part of an `astrond.yml`, plus the
/// `manual_dc_hash` line the clientagent role needs when the file has custom keywords.
/// Classes imported with a `/UD` view but not given in `uberdogs` are listed as
/// comments to fill in.
pub fn config_fragment(
    model: &Model,
    files: &[&Path],
    uberdogs: &[Uberdog],
    report: &Report,
) -> Result<String, String> {
    for u in uberdogs {
        let known = model
            .class_list
            .iter()
            .any(|&id| !model.class(id).is_struct && model.class(id).name == u.class);
        if !known {
            return Err(format!(
                "uberdog class `{}` is not a dclass of these files",
                u.class
            ));
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "# DC hash {:#010x} (dcc)", hash::hash_model(model));
    let _ = writeln!(out, "general:\n  dc_files:");
    for f in files {
        let _ = writeln!(out, "    - {}", yaml_string(&f.display().to_string()));
    }
    let _ = writeln!(out, "uberdogs:");
    for u in uberdogs {
        let _ = writeln!(
            out,
            "  - id: {}\n    class: {}\n    anonymous: {}",
            u.id, u.class, u.anonymous
        );
    }
    let ud_views = model.imports.iter().flat_map(|i| {
        i.symbols.iter().filter_map(|s| {
            let mut parts = s.split('/');
            let class = parts.next()?;
            parts.any(|v| v == "UD").then_some(class)
        })
    });
    for class in ud_views {
        if !uberdogs.iter().any(|u| u.class == class) {
            let _ = writeln!(
                out,
                "  # - id: <doId>\n  #   class: {class}\n  #   anonymous: false   # imported with a /UD view"
            );
        }
    }
    if uberdogs.is_empty() {
        let _ = writeln!(out, "  []");
    }
    if report.needs_manual_hash() {
        let _ = writeln!(
            out,
            "# custom keywords ({}): add to the clientagent role\n#   manual_dc_hash: {:#010x}",
            report.custom_keywords.join(", "),
            hash::hash_model(model)
        );
    }
    Ok(out)
}

fn yaml_string(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
    {
        s.to_owned()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(src: &str) -> Model {
        crate::load_sources(&[("t.dc", src.as_bytes())], crate::Options::default())
            .expect("test schema loads")
    }

    #[test]
    fn flags_switch_blob32_and_custom_keywords() {
        let m = load(
            "keyword p2p;\n\
             struct S { switch (uint8) { case 1: uint8 a; break; }; };\n\
             dclass A { f(blob32 b) p2p; g(uint8 x) broadcast; };\n",
        );
        let r = check(&m);
        let messages: Vec<&str> = r.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("switch")));
        assert!(messages.iter().any(|m| m.contains("blob32")));
        assert!(messages.iter().any(|m| m.contains("custom keyword `p2p`")));
        assert!(!r.is_ok());
        assert!(r.needs_manual_hash());
    }

    #[test]
    fn standard_schema_passes_and_redeclared_builtins_are_fine() {
        let m = load("keyword clrecv;\ndclass A { f(uint8 x, blob b) broadcast clrecv; };\n");
        let r = check(&m);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(!r.needs_manual_hash());
    }

    #[test]
    fn config_lists_files_uberdogs_and_manual_hash() {
        let m = load(
            "from game import LoginManager/AI/UD, Chat/UD\nkeyword p2p;\n\
             dclass LoginManager { login(string t) clsend airecv p2p; };\n\
             dclass Chat { say(string t) clsend; };\n",
        );
        let r = check(&m);
        let uds = ["LoginManager=4665:anonymous"
            .parse::<Uberdog>()
            .expect("parses")];
        let text = config_fragment(&m, &[Path::new("game.dc")], &uds, &r).expect("renders");
        assert!(text.contains("  dc_files:\n    - game.dc\n"), "{text}");
        assert!(
            text.contains("  - id: 4665\n    class: LoginManager\n    anonymous: true\n"),
            "{text}"
        );
        assert!(text.contains("#   class: Chat"), "{text}");
        let h = format!("manual_dc_hash: {:#010x}", hash::hash_model(&m));
        assert!(text.contains(&h), "{text}");
        assert!("X=1:bogus".parse::<Uberdog>().is_err());
        assert!(config_fragment(&m, &[], &["Nope=1".parse().expect("parses")], &r).is_err());
    }
}
