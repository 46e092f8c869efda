//! The classifier trait, what a classifier returns, and the ordered registry that picks the
//! winner.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::ClassifyError;
use crate::schema::Schema;
use crate::source::ObjectSource;
use crate::statistics::ObjectFigures;

/// The classification of objects no classifier recognizes.
pub const UNKNOWN: &str = "UNKNOWN";

/// Whole-object compression, detected from content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed (formats with internal codecs, such as Parquet, count as this).
    #[default]
    None,
    /// gzip
    Gzip,
    /// bzip2
    Bzip2,
    /// Zstandard
    Zstd,
    /// Snappy, raw or with Hadoop framing
    Snappy,
    /// LZ4 frame
    Lz4,
    /// A ZIP archive holding a single file
    Zip,
}

impl Compression {
    /// The value Glue writes in `compressionType`.
    pub fn glue_name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Zstd => "zstd",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zip => "zip",
        }
    }
}

/// How a format is read by query engines: the storage descriptor parts a table needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormatProperties {
    /// Field delimiter of delimited text.
    pub delimiter: Option<char>,
    /// Quote character of delimited text.
    pub quote: Option<char>,
    /// Whether delimited text has a header line.
    pub header: Option<bool>,
    /// Lines at the start of delimited text that are not data: the header and any preamble
    /// above it (titles, comments, blank lines), as the table's `skip.header.line.count`.
    /// `None` when every line is data.
    pub skip_lines: Option<u64>,
    /// Whole-object compression.
    pub compression: Compression,
    /// SerDe class, for example `org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe`.
    pub serde_library: Option<String>,
    /// SerDe parameters, for example `field.delim`.
    pub serde_parameters: BTreeMap<String, String>,
    /// Hadoop input format class.
    pub input_format: Option<String>,
    /// Hadoop output format class.
    pub output_format: Option<String>,
    /// Records in the object: exact from metadata, estimated from a sample for text.
    pub record_count: Option<u64>,
    /// Whether `record_count` is an estimate.
    pub record_count_estimated: bool,
}

impl FormatProperties {
    /// Properties of a line-oriented text format read through `serde_library`, with Hadoop's
    /// text input and output formats.
    pub fn text(serde_library: &str) -> FormatProperties {
        FormatProperties {
            serde_library: Some(serde_library.to_string()),
            input_format: Some("org.apache.hadoop.mapred.TextInputFormat".into()),
            output_format: Some(
                "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat".into(),
            ),
            ..FormatProperties::default()
        }
    }
}

/// What a classifier says about an object it recognizes.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The format name, written to the table's `classification` parameter.
    pub classification: String,
    /// How sure the classifier is, from 0 (not at all) to 1 (certain; ends the search).
    pub certainty: f64,
    /// The inferred columns.
    pub schema: Schema,
    /// How the format is read.
    pub properties: FormatProperties,
    /// Things the crawl should report (for example a type mapped with loss).
    pub warnings: Vec<String>,
    /// Column statistics of the object's rows, when the classifier computes them (see
    /// [`ObjectSource::statistics_mode`]).
    pub statistics: Option<ObjectFigures>,
}

/// A classifier: recognizes one format and infers its schema.
///
/// Implementations read only what they need through [`ObjectSource::read_range`]; they must
/// not panic, hang or use unbounded memory on any input.
#[async_trait]
pub trait Classifier: Send + Sync + fmt::Debug {
    /// A name for reports and for ordering custom classifiers.
    fn name(&self) -> &str;

    /// `Ok(None)` when the object is not of this classifier's format; an error when it is but
    /// cannot be read or is corrupt.
    async fn classify(
        &self,
        object: &dyn ObjectSource,
    ) -> Result<Option<Classification>, ClassifyError>;
}

/// The outcome of running the registry over an object.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A classifier won (boxed: a classification is far larger than the reasons).
    Classified(Box<Classification>),
    /// None did; the reasons (corrupt content, unreadable) are for the crawl report.
    Unknown {
        /// Why each classifier that claimed the object failed, by classifier name.
        reasons: Vec<String>,
    },
}

/// Classifiers in the order they are tried: custom ones first, in the order given, then the
/// built-ins in a fixed order. Certainty 1.0 ends the search; otherwise the highest certainty
/// above 0 wins (the earlier classifier on a tie); nothing above 0 is `UNKNOWN`. A schema
/// past one of the [`crate::limits`] counts as that classifier's failure, with the reason.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    classifiers: Vec<Arc<dyn Classifier>>,
}

impl Registry {
    /// A registry trying `custom` first, then `builtins`.
    pub fn new(
        custom: impl IntoIterator<Item = Arc<dyn Classifier>>,
        builtins: impl IntoIterator<Item = Arc<dyn Classifier>>,
    ) -> Registry {
        Registry {
            classifiers: custom.into_iter().chain(builtins).collect(),
        }
    }

    /// The classifiers, in the order they are tried.
    pub fn classifiers(&self) -> impl Iterator<Item = &dyn Classifier> {
        self.classifiers.iter().map(|c| c.as_ref())
    }

    /// Classifies one object; a compressed one is classified by its decompressed content,
    /// with the compression recorded.
    pub async fn classify(&self, object: &dyn ObjectSource) -> Outcome {
        let cached = crate::source::CachedObject::new(object);
        let object: &dyn ObjectSource = &cached;
        let head_len = object.info().size.min(crate::compression::MAGIC_BYTES);
        let head = match object.read_range(0..head_len).await {
            Ok(head) => head,
            Err(error) => {
                return Outcome::Unknown {
                    reasons: vec![error.to_string()],
                };
            }
        };
        let compression = crate::compression::detect(&head, &object.info().path);
        if compression == Compression::None {
            return self.classify_content(object).await;
        }
        match crate::compression::decompress(object, compression).await {
            Ok(inner) => match self
                .classify_content(&inner.with_statistics_mode(object.statistics_mode()))
                .await
            {
                Outcome::Classified(mut found) => {
                    found.properties.compression = compression;
                    Outcome::Classified(found)
                }
                unknown @ Outcome::Unknown { .. } => unknown,
            },
            Err(error) => Outcome::Unknown {
                reasons: vec![error.to_string()],
            },
        }
    }

    /// Runs the classifiers over content that is not compressed.
    async fn classify_content(&self, object: &dyn ObjectSource) -> Outcome {
        let mut best: Option<Classification> = None;
        let mut reasons = Vec::new();
        for classifier in &self.classifiers {
            let found = classifier
                .classify(object)
                .await
                .and_then(|found| match found {
                    Some(found) if found.certainty > 0.0 => crate::limits::check(&found.schema)
                        .map(|()| Some(found))
                        .map_err(|reason| ClassifyError::OverLimit { reason }),
                    other => Ok(other),
                });
            match found {
                Ok(Some(found)) if found.certainty >= 1.0 => {
                    return Outcome::Classified(Box::new(found));
                }
                Ok(Some(found)) => {
                    let better = found.certainty > 0.0
                        && best.as_ref().is_none_or(|b| found.certainty > b.certainty);
                    if better {
                        best = Some(found);
                    }
                }
                Ok(None) => {}
                Err(error) => reasons.push(format!("{}: {error}", classifier.name())),
            }
        }
        match best {
            Some(found) => Outcome::Classified(Box::new(found)),
            None => Outcome::Unknown { reasons },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::InMemoryObject;

    /// A classifier that answers a fixed certainty for objects whose name contains its
    /// marker, for testing the registry's choice.
    #[derive(Debug)]
    struct Fixed {
        name: &'static str,
        marker: &'static str,
        certainty: f64,
        fails: bool,
    }

    #[async_trait]
    impl Classifier for Fixed {
        fn name(&self) -> &str {
            self.name
        }

        async fn classify(
            &self,
            object: &dyn ObjectSource,
        ) -> Result<Option<Classification>, ClassifyError> {
            if !object.info().path.contains(self.marker) {
                return Ok(None);
            }
            if self.fails {
                return Err(ClassifyError::corrupt("test", "broken"));
            }
            Ok(Some(Classification {
                classification: self.name.into(),
                certainty: self.certainty,
                schema: Schema::default(),
                properties: FormatProperties::default(),
                warnings: Vec::new(),
                statistics: None,
            }))
        }
    }

    fn fixed(name: &'static str, marker: &'static str, certainty: f64) -> Arc<dyn Classifier> {
        Arc::new(Fixed {
            name,
            marker,
            certainty,
            fails: false,
        })
    }

    async fn winner(registry: &Registry, path: &str) -> String {
        match registry
            .classify(&InMemoryObject::new(path, Vec::new()))
            .await
        {
            Outcome::Classified(found) => found.classification,
            Outcome::Unknown { reasons } => format!("{UNKNOWN} {reasons:?}"),
        }
    }

    #[tokio::test]
    async fn custom_first_certainty_one_stops_highest_wins() {
        let registry = Registry::new(
            [fixed("custom-a", "a", 0.6), fixed("custom-b", "b", 1.0)],
            [
                fixed("builtin-a", "a", 0.9),
                fixed("builtin-b", "b", 1.0),
                fixed("builtin-z", "z", 0.0),
            ],
        );
        // No certainty of 1: the highest wins, wherever it stands.
        assert_eq!(winner(&registry, "a").await, "builtin-a");
        // Certainty 1 stops the search at the first classifier that has it.
        assert_eq!(winner(&registry, "b").await, "custom-b");
        // A certainty of 0 is no match.
        assert_eq!(winner(&registry, "z").await, "UNKNOWN []");
        assert_eq!(winner(&registry, "q").await, "UNKNOWN []");
    }

    #[tokio::test]
    async fn failures_are_reported_when_nothing_matches() {
        let broken: Arc<dyn Classifier> = Arc::new(Fixed {
            name: "broken",
            marker: "x",
            certainty: 1.0,
            fails: true,
        });
        let registry = Registry::new([broken], [fixed("other", "y", 1.0)]);
        assert_eq!(
            winner(&registry, "x").await,
            r#"UNKNOWN ["broken: corrupt test object: broken"]"#
        );
        assert_eq!(winner(&registry, "xy").await, "other");
    }
}
