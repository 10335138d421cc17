//! Source files and spans.
//!
//! `.dc` files are byte streams: only ASCII matters outside string literals, and a
//! string literal may hold any byte. Each byte is mapped to the `char` with the same
//! code point (Latin-1), so the parser can work on `&str` while string literals keep
//! their exact bytes and columns count bytes, as Panda's do.

use std::fmt;

/// Index of a source file inside a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file the range lies in.
    pub file: FileId,
    /// First byte (inclusive).
    pub start: u32,
    /// Last byte (exclusive).
    pub end: u32,
}

impl Span {
    /// A span from byte offsets.
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }
}

/// One loaded source file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name shown in diagnostics (usually the path given by the user).
    pub name: String,
    /// The text, one `char` per input byte (Latin-1).
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Wraps raw bytes as a source file.
    pub fn new(name: impl Into<String>, bytes: &[u8]) -> Self {
        let text: String = match std::str::from_utf8(bytes) {
            // Plain ASCII (almost every schema): the bytes are the text.
            Ok(ascii) if bytes.is_ascii() => ascii.to_string(),
            _ => bytes.iter().map(|&b| b as char).collect(),
        };
        // Offsets are in bytes of `text` (Latin-1 chars >= 0x80 take 2 bytes in UTF-8,
        // and `\n` is never part of one).
        let line_starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in bytes of the original file) of a UTF-8 offset into `text`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        let start = self.line_starts[line];
        let col = self.text[start..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self
            .line_starts
            .get(line.wrapping_sub(1))
            .copied()
            .unwrap_or(0);
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// All files loaded for one compilation, in load order.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// The file behind an id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// All files in load order.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "file#{}", self.0)
    }
}
