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
