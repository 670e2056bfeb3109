//! Strings stored end to end in one buffer: one allocation for all of them, and a dense
//! layout that stays in cache better than one `String` each.

/// A list of strings, end to end in one `String` (names of cascades and users, by index).
#[derive(Clone, Debug)]
pub struct StrList {
    text: String,
    /// String `i` is `text[ends[i]..ends[i + 1]]`.
    ends: Vec<usize>,
}

impl Default for StrList {
    fn default() -> Self {
        StrList {
            text: String::new(),
            ends: vec![0],
        }
    }
}

impl StrList {
    /// Appends `s`.
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    /// String `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn get(&self, i: usize) -> &str {
        &self.text[self.ends[i]..self.ends[i + 1]]
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.ends.len() - 1
    }

    /// Whether the list holds no string.
    pub fn is_empty(&self) -> bool {
        self.ends.len() == 1
    }

    /// Keeps the first `n` strings.
    pub fn truncate(&mut self, n: usize) {
        self.ends.truncate(n + 1);
        self.text.truncate(self.ends[n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_get_and_truncate() {
        let mut l = StrList::default();
        for s in ["a", "", "héllo", "b,c"] {
            l.push(s);
        }
        assert_eq!(l.len(), 4, "four strings");
        assert_eq!(
            (l.get(0), l.get(1), l.get(2), l.get(3)),
            ("a", "", "héllo", "b,c")
        );
        l.truncate(2);
        l.push("z");
        assert_eq!(
            (l.len(), l.get(1), l.get(2)),
            (3, "", "z"),
            "truncated, then appended"
        );
        l.truncate(0);
        assert_eq!(l.len(), 0, "empty");
    }
}
