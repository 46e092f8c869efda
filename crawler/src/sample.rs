//! One custom classifier tried on a sample, before it is stored: what the console's "test
//! against this sample" box shows, and what a crawl would infer from a file holding it.

use lakecat_catalog::crawlers::{ClassifierInput, ClassifierRecord};
use lakecat_classifiers::InMemoryObject;

use crate::error::Result;
use crate::run::build_classifier;

/// Largest sample tried, in bytes: a few lines are enough to judge a pattern.
pub const MAX_SAMPLE_BYTES: usize = 64 * 1024;

/// A column a classifier inferred from a sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleColumn {
    /// Its name.
    pub name: String,
    /// Its Hive type.
    pub type_name: String,
}

/// What one classifier made of a sample.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleOutcome {
    /// The sample is of the classifier's format.
    Matched {
        /// The `classification` a table would get.
        classification: String,
        /// How sure the classifier is, 0 to 1.
        certainty: f64,
        /// The columns a table would get.
        columns: Vec<SampleColumn>,
        /// What a crawl would report about it.
        warnings: Vec<String>,
    },
    /// The sample is not of the classifier's format.
    NotMatched,
    /// The sample is of the format but cannot be read; why.
    Unreadable(String),
}

/// Builds the classifier `input` defines (refused as creating it would be) and runs it over
/// `sample` as the content of one file.
pub async fn classify_sample(input: &ClassifierInput, sample: &str) -> Result<SampleOutcome> {
    let now = chrono::Utc::now();
    let record = ClassifierRecord {
        name: input.name.clone(),
        definition: input.definition.clone(),
        version: 0,
        creation_time: now,
        last_updated: now,
    };
    let classifier = build_classifier(&record)?;
    let object = InMemoryObject::new("sample", sample.as_bytes().to_vec());
    Ok(match classifier.classify(&object).await {
        Ok(Some(found)) => SampleOutcome::Matched {
            classification: found.classification,
            certainty: found.certainty,
            columns: found
                .schema
                .fields
                .iter()
                .map(|field| SampleColumn {
                    name: field.name.clone(),
                    type_name: field.data_type.to_string(),
                })
                .collect(),
            warnings: found.warnings,
        },
        Ok(None) => SampleOutcome::NotMatched,
        Err(error) => SampleOutcome::Unreadable(error.to_string()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn grok(pattern: &str) -> ClassifierInput {
        ClassifierInput {
            name: "app".into(),
            definition: serde_json::json!({
                "kind": "grok", "classification": "applog", "grok_pattern": pattern
            }),
        }
    }

    #[tokio::test]
    async fn a_sample_is_matched_or_not_and_a_bad_definition_refused() {
        let line = "2024-06-01T10:00:00Z ERROR disk full\n";
        let pattern = "%{TIMESTAMP_ISO8601:time} %{LOGLEVEL:level} %{GREEDYDATA:message}";
        match classify_sample(&grok(pattern), line).await.unwrap() {
            SampleOutcome::Matched {
                classification,
                columns,
                ..
            } => {
                assert_eq!(classification, "applog");
                let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                assert_eq!(names, ["time", "level", "message"]);
            }
            other => panic!("expected a match, got {other:?}"),
        }
        let other = classify_sample(&grok("%{INT:a}-%{INT:b}"), line)
            .await
            .unwrap();
        assert_eq!(other, SampleOutcome::NotMatched);
        let refused = classify_sample(&grok("%{NO_SUCH_PATTERN:x}"), line).await;
        assert!(refused.unwrap_err().to_string().contains("grok_pattern"));
    }
}
