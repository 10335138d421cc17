//! "Did you mean …?": the nearest known name to a misspelled one, by edit distance.

/// The candidate closest to `name` by optimal-string-alignment distance (a swap of
/// two neighbours counts once), if it is close enough to be a plausible typo: at most
/// one edit per three characters, and at least one. A candidate equal to `name`
/// but for letter case always qualifies; `name` itself never does. Ties go to the
/// first candidate.
pub(crate) fn nearest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let distance = if candidate.eq_ignore_ascii_case(name) {
            0
        } else {
            strsim::osa_distance(name, candidate)
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean `x`?` for the nearest candidate, if any.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    nearest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn typos_find_their_word() {
        let keywords = ["required", "broadcast", "ram", "db", "clsend"];
        assert_eq!(nearest("requird", keywords), Some("required"));
        assert_eq!(nearest("braodcast", keywords), Some("broadcast"));
        assert_eq!(nearest("Ram", keywords), Some("ram"));
        let classes = ["DistributedAvatar", "DistributedNode"];
        assert_eq!(
            nearest("DistributedAvatr", classes),
            Some("DistributedAvatar")
        );
    }

    #[test]
    fn far_names_and_the_name_itself_get_nothing() {
        assert_eq!(nearest("xyz", ["required", "ram"]), None);
        assert_eq!(nearest("ram", ["ram"]), None);
        assert_eq!(nearest("a", ["b"]), Some("b"));
        assert_eq!(nearest("zz", ["required"]), None);
    }
}
