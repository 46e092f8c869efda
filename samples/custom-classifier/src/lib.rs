//! A worked example of a custom classifier in Rust: logs of `key=value` pairs, such as
//!
//! ```text
//! ts=2024-06-01T10:00:00Z level=info msg="user logged in" user_id=42 latency_ms=1.5
//! ```
//!
//! Implement [`Classifier`]: say `Ok(None)` for objects that are not yours, read only the
//! bytes you need through [`ObjectSource::read_range`], and return a schema of Hive types.
//! Register it ahead of the built-ins, which is where custom classifiers go:
//!
//! ```
//! use std::sync::Arc;
//! use lakecat_classifiers::{Classifier, Registry, formats::builtins};
//! use lakecat_sample_kv_classifier::KeyValueLogClassifier;
//!
//! let custom: Vec<Arc<dyn Classifier>> = vec![Arc::new(KeyValueLogClassifier::default())];
//! let registry = Registry::new(custom, builtins());
//! ```

use async_trait::async_trait;
use lakecat_classifiers::merge::widen;
use lakecat_classifiers::{
    Classification, Classifier, ClassifyError, Field, FormatProperties, HiveType, ObjectSource,
    Schema,
};

/// Classifies `key=value` logs; keys become columns in first-seen order.
#[derive(Debug, Clone)]
pub struct KeyValueLogClassifier {
    /// Bytes sampled from the start of each object.
    pub sample_bytes: u64,
}

impl Default for KeyValueLogClassifier {
    fn default() -> Self {
        KeyValueLogClassifier {
            sample_bytes: 256 * 1024,
        }
    }
}

/// The `key=value` pairs of one line; values may be double-quoted. `None` when the line has
/// anything else in it.
fn pairs(line: &str) -> Option<Vec<(&str, &str)>> {
    let mut out = Vec::new();
    let mut rest = line.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            return None;
        }
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(' ').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        out.push((key, value));
        rest = next.trim_start();
    }
    (!out.is_empty()).then_some(out)
}

fn value_type(value: &str) -> HiveType {
    if value.parse::<i64>().is_ok() && !(value.len() > 1 && value.starts_with('0')) {
        HiveType::BigInt
    } else if value.parse::<f64>().is_ok_and(f64::is_finite) && value.contains('.') {
        HiveType::Double
    } else if value == "true" || value == "false" {
        HiveType::Boolean
    } else {
        HiveType::String
    }
}

#[async_trait]
impl Classifier for KeyValueLogClassifier {
    fn name(&self) -> &str {
        "kvlog"
    }

    async fn classify(
        &self,
        object: &dyn ObjectSource,
    ) -> Result<Option<Classification>, ClassifyError> {
        let size = object.info().size;
        let sample = object.read_range(0..size.min(self.sample_bytes)).await?;
        let Ok(text) = std::str::from_utf8(&sample) else {
            return Ok(None);
        };
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut columns: Vec<Field> = Vec::new();
        let mut matched = 0;
        for line in &lines {
            let Some(pairs) = pairs(line) else { continue };
            matched += 1;
            for (key, value) in pairs {
                let found = value_type(value);
                match columns.iter_mut().find(|f| f.name == key) {
                    Some(field) => field.data_type = widen(&field.data_type, &found),
                    None => columns.push(Field::new(key, found)),
                }
            }
        }
        // Most lines must be key=value for the object to be a key=value log.
        if lines.is_empty() || matched * 10 < lines.len() * 9 {
            return Ok(None);
        }
        Ok(Some(Classification {
            classification: "kvlog".into(),
            certainty: matched as f64 / lines.len() as f64,
            schema: Schema::new(columns),
            // Text read line by line; no SerDe is named, since query engines have none for
            // key=value logs: a table would map them with a regex or JSON SerDe of its own.
            properties: FormatProperties {
                serde_library: None,
                ..FormatProperties::text("")
            },
            warnings: Vec::new(),
            statistics: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use lakecat_classifiers::formats::builtins;
    use lakecat_classifiers::{InMemoryObject, Outcome, Registry};

    use super::*;

    #[tokio::test]
    async fn registered_ahead_of_the_builtins_it_wins() {
        let log = "ts=2024-06-01T10:00:00Z level=info msg=\"user logged in\" user_id=42\n\
                   ts=2024-06-01T10:00:01Z level=warn msg=\"slow\" user_id=43 latency_ms=1.5\n";
        let custom: Vec<Arc<dyn Classifier>> = vec![Arc::new(KeyValueLogClassifier::default())];
        let registry = Registry::new(custom, builtins());
        let Outcome::Classified(found) = registry
            .classify(&InMemoryObject::new("app.log", log))
            .await
        else {
            panic!("not classified");
        };
        assert_eq!(found.classification, "kvlog");
        let columns: Vec<String> = found
            .schema
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.data_type))
            .collect();
        assert_eq!(
            columns,
            [
                "ts:string",
                "level:string",
                "msg:string",
                "user_id:bigint",
                "latency_ms:double"
            ]
        );

        // Without it, the same object is not a format lakecat knows.
        let plain = Registry::new([], builtins());
        let outcome = plain.classify(&InMemoryObject::new("app.log", log)).await;
        assert!(matches!(outcome, Outcome::Unknown { .. }), "{outcome:?}");
    }

    #[tokio::test]
    async fn other_text_is_not_claimed() {
        let csv = InMemoryObject::new("x.csv", "id,name\n1,ada\n");
        assert!(
            KeyValueLogClassifier::default()
                .classify(&csv)
                .await
                .unwrap()
                .is_none()
        );
    }
}
