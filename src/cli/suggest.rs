//! The nearest known word to a misspelt one, for "did you mean" in an error line: an
//! option (`--tiemout`) or a variable (`HEALTHPROBE_TIMOUT`).

/// The candidate closest to `word` by edit distance, if it is close enough to be what was
/// meant: at most a third of the word's length, and at least one edit, apart.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let most = (word.len() / 3).max(1);
    candidates
        .into_iter()
        // Two words further apart in length than `most` are further apart in edits too:
        // a 120 KB argument is compared with nothing (its table would take half a second).
        .filter(|candidate| word.len().abs_diff(candidate.len()) <= most)
        .map(|candidate| (distance(word, candidate), candidate))
        .filter(|(d, _)| *d <= most)
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over bytes (every option and variable name is ASCII), with a swap
/// of two neighbours counting as one edit (the commonest typo: `--tiemout`).
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    // Three rows of the table: two back, one back, this one.
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (previous[j] + 1)
                .min(row[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut previous, row);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_option_meant() {
        let options = ["--timeout", "--status", "--wait", "--interval", "--help"];
        assert_eq!(nearest("--tiemout", options), Some("--timeout"));
        assert_eq!(nearest("--timout", options), Some("--timeout"));
        assert_eq!(nearest("--stauts", options), Some("--status"));
        assert_eq!(nearest("--wiat", options), Some("--wait"));
        assert_eq!(nearest("--frobnicate", options), None);
    }

    #[test]
    fn counts_edits() {
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", "abc"), 0);
        assert_eq!(distance("abc", "acb"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
