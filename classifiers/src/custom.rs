//! Custom classifiers defined as data, as Glue's CreateClassifier takes them: the catalog
//! stores these definitions and a crawl builds them into classifiers, ahead of the built-ins.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::classifier::Classifier;
use crate::formats::csv::{CsvClassifier, CsvOptions, HeaderPolicy};
use crate::formats::grok::{GrokClassifier, GrokPattern};
use crate::formats::json::{JsonClassifier, JsonPath};
use crate::formats::xml::XmlClassifier;
use crate::schema::HiveType;

/// Whether the first row of delimited text is a header (Glue's `ContainsHeader`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContainsHeader {
    /// Decide from the data.
    #[default]
    Unknown,
    /// Always.
    Present,
    /// Never.
    Absent,
}

/// A custom classifier's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClassifierDefinition {
    /// Log lines matched by a grok pattern.
    Grok {
        /// The classifier's name.
        name: String,
        /// The `classification` written to matching tables.
        classification: String,
        /// The pattern, for example `%{IP:client} %{WORD:method}`.
        grok_pattern: String,
        /// Extra `NAME regex` definitions, one a line.
        #[serde(default)]
        custom_patterns: String,
    },
    /// Delimited text with fixed parts of the dialect.
    Csv {
        /// The classifier's name.
        name: String,
        /// The delimiter, one character; sniffed when absent.
        #[serde(default)]
        delimiter: Option<String>,
        /// The quote, one character; sniffed when absent.
        #[serde(default)]
        quote_symbol: Option<String>,
        /// Whether the first row is a header.
        #[serde(default)]
        contains_header: ContainsHeader,
        /// Column names to use.
        #[serde(default)]
        header: Vec<String>,
        /// Keep spaces around values instead of trimming them.
        #[serde(default)]
        disable_value_trimming: bool,
        /// Accept files with a single column.
        #[serde(default)]
        allow_single_column: bool,
        /// The only types columns may get (Glue's `CustomDatatypes`: BINARY, BOOLEAN, DATE,
        /// DECIMAL, DOUBLE, FLOAT, INT, LONG, SHORT, STRING, TIMESTAMP).
        #[serde(default)]
        custom_datatypes: Option<Vec<String>>,
    },
    /// JSON whose records a JSONPath selects.
    Json {
        /// The classifier's name.
        name: String,
        /// The path, for example `$[*]` or `$.records[*]`.
        json_path: String,
    },
    /// XML whose records are the elements with a row tag.
    Xml {
        /// The classifier's name.
        name: String,
        /// The records' element name, without angle brackets.
        row_tag: String,
    },
}

/// A definition that breaks a rule; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DefinitionError(pub String);

fn single_char(field: &str, value: &Option<String>) -> Result<Option<u8>, DefinitionError> {
    let Some(value) = value else { return Ok(None) };
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii() && c != '\r' && c != '\n' => Ok(Some(c as u8)),
        _ => Err(DefinitionError(format!(
            "{field}: must be exactly one ASCII character other than a line break (got {value:?})"
        ))),
    }
}

impl ClassifierDefinition {
    /// The classifier's name.
    pub fn name(&self) -> &str {
        match self {
            ClassifierDefinition::Grok { name, .. }
            | ClassifierDefinition::Csv { name, .. }
            | ClassifierDefinition::Json { name, .. }
            | ClassifierDefinition::Xml { name, .. } => name,
        }
    }

    /// Checks the definition and builds its classifier.
    pub fn build(&self) -> Result<Arc<dyn Classifier>, DefinitionError> {
        if self.name().is_empty() || self.name().len() > 255 {
            return Err(DefinitionError("name: must be 1 to 255 bytes".into()));
        }
        Ok(match self {
            ClassifierDefinition::Grok {
                name,
                classification,
                grok_pattern,
                custom_patterns,
            } => {
                if classification.is_empty() {
                    return Err(DefinitionError("classification: must not be empty".into()));
                }
                let pattern = GrokPattern::new(grok_pattern, custom_patterns)
                    .map_err(|e| DefinitionError(format!("grok_pattern: {}", e.0)))?;
                Arc::new(GrokClassifier::new(
                    name.clone(),
                    classification.clone(),
                    pattern,
                ))
            }
            ClassifierDefinition::Csv {
                name: _,
                delimiter,
                quote_symbol,
                contains_header,
                header,
                disable_value_trimming,
                allow_single_column,
                custom_datatypes,
            } => {
                let allowed_types = custom_datatypes
                    .as_ref()
                    .map(|names| {
                        names
                            .iter()
                            .map(|name| {
                                glue_csv_type(name).ok_or_else(|| {
                                    DefinitionError(format!(
                                        "custom_datatypes: {name:?} is not one of BINARY, BOOLEAN, DATE, \
                                         DECIMAL, DOUBLE, FLOAT, INT, LONG, SHORT, STRING, TIMESTAMP"
                                    ))
                                })
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .transpose()?;
                let delimiter = single_char("delimiter", delimiter)?;
                let quote = single_char("quote_symbol", quote_symbol)?;
                if delimiter.is_some() && delimiter == quote {
                    return Err(DefinitionError(
                        "quote_symbol: must differ from the delimiter".into(),
                    ));
                }
                if let Some(bad) = header.iter().find(|h| h.trim().is_empty() || h.len() > 255) {
                    return Err(DefinitionError(format!(
                        "header: column name {bad:?} must be 1 to 255 bytes"
                    )));
                }
                Arc::new(CsvClassifier::new(CsvOptions {
                    delimiter,
                    quote: quote.map(Some),
                    header: match contains_header {
                        ContainsHeader::Unknown => HeaderPolicy::Detect,
                        ContainsHeader::Present => HeaderPolicy::Present,
                        ContainsHeader::Absent => HeaderPolicy::Absent,
                    },
                    header_names: header.clone(),
                    trim_values: !disable_value_trimming,
                    allow_single_column: *allow_single_column,
                    allowed_types,
                    ..CsvOptions::default()
                }))
            }
            ClassifierDefinition::Json { name: _, json_path } => {
                let path = JsonPath::parse(json_path)
                    .map_err(|e| DefinitionError(format!("json_path: {e}")))?;
                Arc::new(JsonClassifier::with_path(path))
            }
            ClassifierDefinition::Xml { name: _, row_tag } => {
                let valid = !row_tag.is_empty()
                    && !row_tag.contains(['<', '>', ' ', '/'])
                    && row_tag.len() <= 255;
                if !valid {
                    return Err(DefinitionError(format!(
                        "row_tag: {row_tag:?} must be an element name without angle brackets"
                    )));
                }
                Arc::new(XmlClassifier::with_row_tag(row_tag.clone()))
            }
        })
    }
}

/// The Hive type of one of Glue's custom CSV data type names.
fn glue_csv_type(name: &str) -> Option<HiveType> {
    Some(match name.to_ascii_uppercase().as_str() {
        "BINARY" => HiveType::Binary,
        "BOOLEAN" => HiveType::Boolean,
        "DATE" => HiveType::Date,
        "DECIMAL" => HiveType::Decimal {
            precision: 38,
            scale: 18,
        },
        "DOUBLE" => HiveType::Double,
        "FLOAT" => HiveType::Float,
        "INT" => HiveType::Int,
        "LONG" => HiveType::BigInt,
        "SHORT" => HiveType::SmallInt,
        "STRING" => HiveType::String,
        "TIMESTAMP" => HiveType::Timestamp,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::{Outcome, Registry};
    use crate::formats::builtins;
    use crate::source::InMemoryObject;

    fn definition(json: &str) -> ClassifierDefinition {
        serde_json::from_str(json).unwrap()
    }

    async fn classify(
        definitions: &[ClassifierDefinition],
        path: &str,
        content: &str,
    ) -> (String, Vec<String>) {
        let custom: Vec<_> = definitions.iter().map(|d| d.build().unwrap()).collect();
        let registry = Registry::new(custom, builtins());
        match registry
            .classify(&InMemoryObject::new(path, content.as_bytes().to_vec()))
            .await
        {
            Outcome::Classified(found) => (
                found.classification,
                found
                    .schema
                    .fields
                    .iter()
                    .map(|f| format!("{}:{}", f.name, f.data_type))
                    .collect(),
            ),
            Outcome::Unknown { reasons } => (format!("UNKNOWN {reasons:?}"), Vec::new()),
        }
    }

    #[tokio::test]
    async fn csv_definitions_fix_the_dialect_and_header() {
        let absent = definition(
            r#"{"kind": "csv", "name": "no-header", "delimiter": ",", "contains_header": "ABSENT",
                "header": ["Id", "Label"]}"#,
        );
        // Detection would call this first row a header; the definition says it is data.
        let (classification, columns) = classify(&[absent], "x.csv", "id,name\n1,a\n2,b\n").await;
        assert_eq!(classification, "csv");
        assert_eq!(columns, ["id:string", "label:string"]);

        let typed = definition(
            r#"{"kind": "csv", "name": "typed", "custom_datatypes": ["INT", "DECIMAL"]}"#,
        );
        let (_, columns) = classify(&[typed], "x.csv", "a,b,c\n1,2.5,x\n2,3,y\n").await;
        assert_eq!(columns, ["a:int", "b:decimal(38,18)", "c:string"]);

        let single = definition(
            r#"{"kind": "csv", "name": "one", "allow_single_column": true, "contains_header": "PRESENT"}"#,
        );
        let (_, columns) = classify(&[single], "x.csv", "amount\n1\n2\n").await;
        assert_eq!(columns, ["amount:bigint"]);
    }

    #[tokio::test]
    async fn grok_and_json_definitions() {
        let grok = definition(
            r#"{"kind": "grok", "name": "app", "classification": "applog",
                "grok_pattern": "%{TIMESTAMP_ISO8601:at} %{LOGLEVEL:level} %{GREEDYDATA:message}"}"#,
        );
        let (classification, columns) = classify(
            &[grok],
            "app.log",
            "2024-06-01T10:00:00Z INFO started\n2024-06-01T10:00:01Z WARN slow\n",
        )
        .await;
        assert_eq!(classification, "applog");
        assert_eq!(columns, ["at:string", "level:string", "message:string"]);

        let json =
            definition(r#"{"kind": "json", "name": "records", "json_path": "$.records[*]"}"#);
        let (classification, columns) =
            classify(&[json], "x.json", r#"{"records": [{"a": 1}, {"a": 2.5}]}"#).await;
        assert_eq!(
            (classification.as_str(), columns),
            ("json", vec!["a:double".to_string()])
        );
    }

    #[test]
    fn custom_datatypes_are_glue_names() {
        let error = ClassifierDefinition::Csv {
            name: "x".into(),
            delimiter: None,
            quote_symbol: None,
            contains_header: ContainsHeader::Unknown,
            header: Vec::new(),
            disable_value_trimming: false,
            allow_single_column: false,
            custom_datatypes: Some(vec!["UUID".into()]),
        }
        .build()
        .err()
        .unwrap();
        assert!(
            error
                .0
                .starts_with("custom_datatypes: \"UUID\" is not one of"),
            "{error}"
        );
    }

    #[test]
    fn invalid_definitions_name_the_field() {
        let error = |json: &str| definition(json).build().err().unwrap().to_string();
        assert!(
            error(r#"{"kind": "csv", "name": "x", "delimiter": ",,"}"#)
                .starts_with("delimiter: must be exactly one")
        );
        assert_eq!(
            error(r#"{"kind": "csv", "name": "x", "delimiter": "|", "quote_symbol": "|"}"#),
            "quote_symbol: must differ from the delimiter"
        );
        assert!(
            error(
                r#"{"kind": "grok", "name": "x", "classification": "c", "grok_pattern": "%{NOPE}"}"#
            )
            .starts_with("grok_pattern: unknown pattern NOPE")
        );
        assert!(
            error(r#"{"kind": "json", "name": "x", "json_path": "records"}"#)
                .starts_with("json_path: JSONPath")
        );
        assert_eq!(
            error(r#"{"kind": "json", "name": "", "json_path": "$"}"#),
            "name: must be 1 to 255 bytes"
        );
        assert!(
            serde_json::from_str::<ClassifierDefinition>(
                r#"{"kind": "csv", "name": "x", "colour": 1}"#
            )
            .is_err()
        );
    }
}
