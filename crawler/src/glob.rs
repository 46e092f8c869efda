//! Exclusion globs with AWS Glue's semantics, compiled to linear-time regexes.
//!
//! Globs match paths relative to the crawl target: `/` separates levels, `*` matches within
//! one level, `**` across levels, `?` one character, `[abc]`, `[a-z]` and `[!a-c]` one of a
//! set (inside brackets `*`, `?` and `\` are literal, `-` is literal first), `{a,b}` one of
//! several alternatives (not nested), and `\` escapes the next character. A leading `.` is
//! ordinary: `*` matches `.hidden`.

use regex::Regex;

use crate::error::{CrawlError, Result};

/// A set of exclusion globs.
#[derive(Debug, Clone, Default)]
pub struct Exclusions {
    patterns: Vec<(String, Regex)>,
}

impl Exclusions {
    /// Compiles `globs`; the first that does not parse is the error.
    pub fn new(globs: &[String]) -> Result<Exclusions> {
        let patterns = globs
            .iter()
            .map(|glob| {
                let regex = translate(glob).map_err(|reason| CrawlError::InvalidExclusion {
                    glob: glob.clone(),
                    reason,
                })?;
                let compiled = Regex::new(&regex).map_err(|e| CrawlError::InvalidExclusion {
                    glob: glob.clone(),
                    reason: e.to_string(),
                })?;
                Ok((glob.clone(), compiled))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Exclusions { patterns })
    }

    /// The first glob that matches `relative_path`, if any.
    pub fn matching(&self, relative_path: &str) -> Option<&str> {
        self.patterns
            .iter()
            .find(|(_, regex)| regex.is_match(relative_path))
            .map(|(glob, _)| glob.as_str())
    }
}

/// Translates a glob to an anchored regex.
fn translate(glob: &str) -> Result<String, String> {
    let mut regex = String::from("^");
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    let mut in_alternatives = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                // `**/` also matches no folder at all, so `**/x` matches a top-level `x`.
                if chars.get(i + 2) == Some(&'/') {
                    regex.push_str("(?:.*/)?");
                    i += 3;
                } else {
                    regex.push_str(".*");
                    i += 2;
                }
                continue;
            }
            '*' => regex.push_str("[^/]*"),
            '?' => regex.push_str("[^/]"),
            '\\' => {
                i += 1;
                let escaped = chars
                    .get(i)
                    .ok_or_else(|| "ends with an unfinished escape `\\`".to_string())?;
                regex.push_str(&regex::escape(&escaped.to_string()));
            }
            '[' => {
                let (class, next) = bracket(&chars, i)?;
                regex.push_str(&class);
                i = next;
                continue;
            }
            '{' if in_alternatives => return Err("alternatives `{...}` cannot nest".into()),
            '{' => {
                in_alternatives = true;
                regex.push_str("(?:");
            }
            '}' if in_alternatives => {
                in_alternatives = false;
                regex.push(')');
            }
            ',' if in_alternatives => regex.push('|'),
            other => regex.push_str(&regex::escape(&other.to_string())),
        }
        i += 1;
    }
    if in_alternatives {
        return Err("an alternative `{` is not closed".into());
    }
    regex.push('$');
    Ok(regex)
}

/// Translates the bracket expression starting at `chars[start] == '['`; returns the regex
/// class and the index after the closing `]`.
fn bracket(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut i = start + 1;
    let mut class = String::from("[");
    let negated = chars.get(i) == Some(&'!');
    if negated {
        class.push('^');
        i += 1;
    }
    let first = i;
    loop {
        let c = *chars
            .get(i)
            .ok_or_else(|| "a bracket expression `[` is not closed".to_string())?;
        match c {
            ']' if i > first => break,
            '-' if i == first || chars.get(i + 1) == Some(&']') => class.push_str("\\-"),
            '-' => class.push('-'),
            other => class.push_str(&regex::escape(&other.to_string())),
        }
        i += 1;
    }
    if i == first {
        return Err("a bracket expression is empty".into());
    }
    if negated {
        // A negated set never matches the level separator.
        class.push('/');
    }
    class.push(']');
    Ok((class, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excluded(glob: &str, path: &str) -> bool {
        Exclusions::new(&[glob.to_string()])
            .unwrap()
            .matching(path)
            .is_some()
    }

    #[test]
    fn glue_documentation_examples() {
        assert!(excluded("departments/**", "departments/hr/2024/a.csv"));
        assert!(!excluded("departments/**", "employees/a.csv"));
        assert!(excluded("**.csv", "a/b/c.csv"));
        assert!(excluded("employees/*.csv", "employees/a.csv"));
        assert!(!excluded("employees/*.csv", "employees/2024/a.csv"));
        assert!(excluded("2015/01/{[!0],0[8-9]}**", "2015/01/10/x.json"));
        assert!(excluded("2015/01/{[!0],0[8-9]}**", "2015/01/09/x.json"));
        assert!(!excluded("2015/01/{[!0],0[8-9]}**", "2015/01/07/x.json"));
    }

    #[test]
    fn single_characters_sets_and_escapes() {
        assert!(excluded("a?c", "abc"));
        assert!(!excluded("a?c", "a/c"));
        assert!(excluded("[a-c]x", "bx"));
        assert!(!excluded("[!a-c]x", "bx"));
        assert!(!excluded("a[!b]c", "a/c"));
        assert!(excluded("[-a]x", "-x"));
        assert!(excluded("[*]", "*"));
        assert!(!excluded("[*]", "a"));
        assert!(excluded("\\*", "*"));
        assert!(!excluded("\\*", "a"));
        assert!(excluded("*", ".hidden"));
        assert!(excluded("**/_tmp/**", "_tmp/a"));
        assert!(excluded("**/_tmp/**", "x/y/_tmp/a"));
        assert!(excluded("{a,b}.csv", "b.csv"));
        assert!(!excluded("{a,b}.csv", "c.csv"));
        assert!(excluded("a.c", "a.c"));
        assert!(!excluded("a.c", "abc"));
    }

    #[test]
    fn broken_globs_are_reported() {
        for (glob, reason) in [
            ("[abc", "not closed"),
            ("{a,b", "not closed"),
            ("{a,{b}}", "cannot nest"),
            ("a\\", "unfinished escape"),
        ] {
            let error = Exclusions::new(&[glob.to_string()])
                .unwrap_err()
                .to_string();
            assert!(error.contains(reason), "{glob}: {error}");
        }
    }
}
