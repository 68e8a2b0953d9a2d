//! Text shared by the renderers, the diff and the policy check: escaping for each output
//! format (`escape`) and the wording of pages and lifetimes (`words`). It sits below all of
//! them so that none reaches into another's renderer for a helper.

pub(crate) mod escape;
pub(crate) mod words;

/// Consecutive items sharing a key, for reports grouped by kind (the items are sorted).
pub(crate) fn runs_by<T, K: PartialEq + Copy>(
    items: &[T],
    key: impl Fn(&T) -> K,
) -> Vec<(K, Vec<&T>)> {
    let mut runs: Vec<(K, Vec<&T>)> = Vec::new();
    for item in items {
        match runs.last_mut() {
            Some((current, members)) if *current == key(item) => members.push(item),
            _ => runs.push((key(item), vec![item])),
        }
    }
    runs
}

/// An error with its causes, as `message: cause: cause`: error types keep their cause out of
/// their own message (so a chain printer does not say it twice), and this is how the library
/// writes one into a row or a log line.
pub(crate) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 11): `cannot read x: No such file or directory (os error 2): No such
    /// file or directory (os error 2)`. An error with a source keeps it out of its message.
    #[test]
    fn a_cause_is_said_once() {
        let error = crate::model::load_scan(std::path::Path::new("/nonexistent/scan.json"))
            .expect_err("no such file");
        let text = with_causes(&error);
        assert!(
            text.starts_with("cannot read /nonexistent/scan.json: "),
            "{text}"
        );
        let cause = std::fs::read("/nonexistent/scan.json")
            .expect_err("no such file")
            .to_string();
        assert_eq!(text.matches(&cause).count(), 1, "{text}");
        let broken = crate::check::declared::load(std::path::Path::new("/nonexistent/policy.md"))
            .expect_err("no such file");
        assert_eq!(with_causes(&broken).matches(&cause).count(), 1);
    }
}
