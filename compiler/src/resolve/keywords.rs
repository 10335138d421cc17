//! Keywords: `keyword` declarations, keyword lists on fields, and the check that a
//! name is not a keyword (Panda's lexer would read it as one).

use super::*;

impl Resolver {
    pub(super) fn declare_keyword(&mut self, name: &Ident) {
        // Re-declaring a historical keyword makes it custom from here on (Panda hashes
        // it by name afterwards); fields parsed earlier keep their bits.
        self.keywords.insert(name.name.clone(), u32::MAX);
        self.model.keywords.push(Keyword {
            name: name.name.clone(),
            flag: u32::MAX,
        });
    }

    /// A name in a position where Panda's lexer would already return a keyword token.
    pub(super) fn check_name(&mut self, ident: &Ident, what: &str) -> bool {
        if self.keywords.contains_key(&ident.name) {
            self.errors.push(
                Diagnostic::error(ident.span, format!("`{}` is a keyword and cannot be used as {what}", ident.name))
                    .with_hint("keywords (the nine historical ones and every `keyword` declared so far) are reserved; pick another name"),
            );
            return false;
        }
        true
    }

    pub(super) fn keyword_list(&mut self, idents: &[Ident], allowed: bool) -> KeywordList {
        let mut list = KeywordList::default();
        for ident in idents {
            match self.keywords.get(&ident.name) {
                Some(&flag) => {
                    if !allowed {
                        self.error(
                            ident.span,
                            format!("keyword `{}` is not allowed here", ident.name),
                        );
                    }
                    if let Err(pos) = list.names.binary_search(&ident.name) {
                        list.names.insert(pos, ident.name.clone());
                        list.flags |= flag;
                    }
                }
                None => {
                    let known = sorted_names(self.keywords.keys());
                    let hint = match crate::suggest::did_you_mean(&ident.name, known) {
                        Some(guess) => format!(
                            "{guess} (or declare it first with `keyword {};`)",
                            ident.name
                        ),
                        None => format!(
                            "declare it first with `keyword {};`, or remove it",
                            ident.name
                        ),
                    };
                    self.errors.push(
                        Diagnostic::error(ident.span, format!("`{}` is not a keyword", ident.name))
                            .with_hint(hint),
                    );
                }
            }
        }
        list
    }
}

/// Names in a stable order, so that a tie between two suggestions always goes the
/// same way.
pub(super) fn sorted_names<'a>(names: impl Iterator<Item = &'a String>) -> Vec<&'a str> {
    let mut names: Vec<&str> = names.map(String::as_str).collect();
    names.sort_unstable();
    names
}
