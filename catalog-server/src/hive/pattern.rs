//! Hive's name patterns (`get_databases`, `get_tables`, `get_table_meta`): alternatives
//! separated by `|`, `*` standing for any characters, matched against whole names regardless
//! of case. Hive's own metastore passes the rest of the text to Java's regex engine; here
//! every other character is literal (escaped before the pattern is compiled), so a client's
//! text never becomes a regular expression of its own. Names are letters, digits and
//! underscores in practice, where both readings agree.

use regex::{Regex, RegexBuilder};

/// Longest pattern accepted, in bytes; longer ones are surely not names.
const MAX_PATTERN_BYTES: usize = 4096;

/// Why a pattern was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum PatternError {
    /// The pattern is too long.
    #[error("pattern: must be at most {MAX_PATTERN_BYTES} bytes (got {0})")]
    TooLong(usize),
    /// The compiled pattern exceeds the regex engine's size limit.
    #[error("pattern: too complex")]
    TooComplex,
}

/// A compiled Hive name pattern.
#[derive(Debug, Clone)]
pub(crate) struct NamePattern {
    regex: Regex,
}

impl NamePattern {
    /// Compiles `pattern`.
    pub(crate) fn new(pattern: &str) -> Result<NamePattern, PatternError> {
        if pattern.len() > MAX_PATTERN_BYTES {
            return Err(PatternError::TooLong(pattern.len()));
        }
        let alternatives: Vec<String> = pattern
            .trim()
            .split('|')
            .map(|alternative| {
                alternative
                    .split('*')
                    .map(regex::escape)
                    .collect::<Vec<_>>()
                    .join(".*")
            })
            .collect();
        let regex = RegexBuilder::new(&format!("^(?:{})$", alternatives.join("|")))
            .case_insensitive(true)
            .build()
            .map_err(|_| PatternError::TooComplex)?;
        Ok(NamePattern { regex })
    }

    /// Whether `name` matches.
    pub(crate) fn matches(&self, name: &str) -> bool {
        self.regex.is_match(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_read_as_hive_reads_names() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "sales", true),
            ("*", "", true),
            ("sales", "sales", true),
            ("sales", "Sales", true),
            ("SALES", "sales", true),
            ("sales", "sales2", false),
            ("sales", "presales", false),
            ("sal*", "sales", true),
            ("*les", "sales", true),
            ("s*s", "sales", true),
            ("s*s", "sale", false),
            ("a|b", "b", true),
            ("a|b", "ab", false),
            ("web_*|sales", "web_logs", true),
            ("web_*|sales", "sales", true),
            ("web_*|sales", "orders", false),
            ("  sales  ", "sales", true),
            // Everything but `*` and `|` is literal: no regular expression gets through.
            ("s.les", "sales", false),
            ("s.les", "s.les", true),
            ("(a+)+$", "aaaa", false),
            ("(a+)+$", "(a+)+$", true),
            ("[a-z]*", "abc", false),
            ("x\\", "x\\", true),
            ("", "", true),
            ("", "sales", false),
        ];
        for (pattern, name, expected) in cases {
            let compiled = NamePattern::new(pattern).unwrap();
            assert_eq!(
                compiled.matches(name),
                *expected,
                "pattern {pattern:?} on {name:?}"
            );
        }
    }

    #[test]
    fn overlong_patterns_are_refused() {
        let long = "a".repeat(MAX_PATTERN_BYTES + 1);
        assert_eq!(
            NamePattern::new(&long).unwrap_err(),
            PatternError::TooLong(MAX_PATTERN_BYTES + 1)
        );
    }
}
