//! Named entries kept in first-seen order and found by key through an index, for the
//! fields of records: an object with tens of thousands of keys must merge in linear time,
//! not in time that grows with the square of its width.

use std::collections::HashMap;

/// Entries in the order first added, each found by a key (the name itself, or a folded
/// form of it where names are case-insensitive).
#[derive(Debug, Clone)]
pub(crate) struct Ordered<T> {
    entries: Vec<(String, T)>,
    /// Each key to its place in `entries`.
    index: HashMap<String, usize>,
}

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered {
            entries: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T: PartialEq> PartialEq for Ordered<T> {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl<T> Ordered<T> {
    /// Adds `value` as `name`, found by `key`; when `key` is already there, `combine`
    /// merges `value` into the existing entry, which keeps its name and place.
    pub(crate) fn add(
        &mut self,
        key: String,
        name: String,
        value: T,
        combine: impl FnOnce(&mut T, T),
    ) {
        match self.index.get(&key) {
            Some(&at) => combine(&mut self.entries[at].1, value),
            None => {
                self.index.insert(key, self.entries.len());
                self.entries.push((name, value));
            }
        }
    }

    /// The entries, in first-seen order.
    pub(crate) fn entries(&self) -> &[(String, T)] {
        &self.entries
    }

    /// Whether nothing was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in first-seen order.
    pub(crate) fn into_entries(self) -> Vec<(String, T)> {
        self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_seen_order_and_combining_by_key() {
        let mut ordered: Ordered<u32> = Ordered::default();
        for (name, value) in [("B", 1), ("a", 2), ("b", 3), ("c", 4), ("A", 5)] {
            ordered.add(name.to_ascii_lowercase(), name.into(), value, |x, y| {
                *x += y
            });
        }
        assert_eq!(
            ordered.into_entries(),
            vec![("B".into(), 4), ("a".into(), 7), ("c".into(), 4)]
        );
    }
}
