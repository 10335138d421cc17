//! Diagnostics: what went wrong, where, and what to do about it.
//!
//! Stages collect [`Diagnostic`]s instead of stopping at the first problem; the CLI
//! and `pipes-build` render them with [`Diagnostic::render`] as
//! `file:line:col: error: message`, a source excerpt with a caret, and a hint.

use crate::source::{SourceMap, Span};
use std::fmt::Write as _;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The schema is rejected.
    Error,
    /// The schema is accepted, but something looks wrong.
    Warning,
}

/// One problem found in a schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is.
    pub span: Span,
    /// Other places that explain the problem (such as an earlier definition).
    pub notes: Vec<(Span, String)>,
    /// How to fix it, when we know.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A new error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            notes: Vec::new(),
            hint: None,
        }
    }

    /// A new warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Self::error(span, message)
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a note pointing at another place.
    pub fn with_note(mut self, span: Span, note: impl Into<String>) -> Self {
        self.notes.push((span, note.into()));
        self
    }

    /// 1-based line of the primary span.
    pub fn line(&self, sources: &SourceMap) -> usize {
        sources
            .get(self.span.file)
            .line_col(self.span.start as usize)
            .0
    }

    /// Renders the diagnostic with file, line, column, excerpt and caret.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        render_location(
            &mut out,
            sources,
            self.span,
            &format!("{kind}: {}", self.message),
        );
        for (span, note) in &self.notes {
            render_location(&mut out, sources, *span, &format!("note: {note}"));
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "  = hint: {hint}");
        }
        out
    }
}

fn render_location(out: &mut String, sources: &SourceMap, span: Span, headline: &str) {
    let file = sources.get(span.file);
    let (line, col) = file.line_col(span.start as usize);
    let _ = writeln!(out, "{}:{line}:{col}: {headline}", file.name);
    let text = file.line_text(line);
    let shown: String = text
        .chars()
        .map(|c| {
            if c == '\t' {
                ' '
            } else if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    let gutter = line.to_string().len();
    let _ = writeln!(out, "{:gutter$} |", "");
    let _ = writeln!(out, "{line} | {shown}");
    let end_col = if sources.get(span.file).line_col(span.end as usize).0 == line {
        sources.get(span.file).line_col(span.end as usize).1
    } else {
        shown.chars().count() + 1
    };
    let width = end_col.saturating_sub(col).max(1);
    let _ = writeln!(
        out,
        "{:gutter$} | {}{}",
        "",
        " ".repeat(col - 1),
        "^".repeat(width)
    );
}

/// Renders many diagnostics, one after the other.
pub fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    diagnostics
        .iter()
        .map(|d| d.render(sources))
        .collect::<Vec<_>>()
        .join("\n")
}
