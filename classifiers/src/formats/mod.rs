//! The built-in classifiers, in the order Glue's crawler tries them.

mod arrow_types;
pub mod avro;
pub mod csv;
pub mod grok;
pub mod json;
pub mod orc;
mod orc_statistics;
pub mod parquet;
mod parquet_distinct;
mod parquet_statistics;
pub mod xml;

use std::sync::Arc;

use crate::classifier::Classifier;

pub use arrow_types::hive_type_of;

/// The built-in classifiers, in the order they are tried: binary formats, JSON, log formats
/// through grok, and delimited text last, as the catch-all (Glue's order).
pub fn builtins() -> Vec<Arc<dyn Classifier>> {
    let mut classifiers: Vec<Arc<dyn Classifier>> = vec![
        Arc::new(avro::AvroClassifier),
        Arc::new(orc::OrcClassifier),
        Arc::new(parquet::ParquetClassifier),
        Arc::new(json::JsonClassifier::default()),
        Arc::new(xml::XmlClassifier::default()),
    ];
    for grok in grok::GrokClassifier::builtins() {
        classifiers.push(Arc::new(grok));
    }
    classifiers.push(Arc::new(csv::CsvClassifier::default()));
    classifiers
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Glue's built-in classifiers' `classification` strings (the Glue behaviour reference,
    /// section 1): tools and engines switch on them, so lakecat's must be among them.
    const GLUE_CLASSIFICATIONS: &[&str] = &[
        "avro",
        "orc",
        "parquet",
        "json",
        "bson",
        "xml",
        "ion",
        "combined_apache",
        "apache",
        "linux_kernel",
        "microsoft_log",
        "ruby_logger",
        "squid",
        "redismonlog",
        "redislog",
        "csv",
    ];

    #[test]
    fn builtin_classifications_are_glues() {
        let builtins = builtins();
        let names: Vec<&str> = builtins.iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "avro",
                "orc",
                "parquet",
                "json",
                "xml",
                "combined_apache",
                "apache",
                "linux_kernel",
                "csv"
            ]
        );
        for name in names {
            assert!(
                GLUE_CLASSIFICATIONS.contains(&name),
                "{name} is not a Glue classification"
            );
        }
    }
}
