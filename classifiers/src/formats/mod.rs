//! The built-in classifiers, in the order Glue's crawler tries them.

mod arrow_types;
pub mod avro;
pub mod csv;
pub mod json;
pub mod parquet;

use std::sync::Arc;

use crate::classifier::Classifier;

pub use arrow_types::hive_type_of;

/// The built-in classifiers, in the order they are tried.
pub fn builtins() -> Vec<Arc<dyn Classifier>> {
    vec![
        Arc::new(avro::AvroClassifier),
        Arc::new(parquet::ParquetClassifier),
        Arc::new(json::JsonClassifier),
        // Delimited text is the catch-all, so it comes last, as in Glue.
        Arc::new(csv::CsvClassifier::default()),
    ]
}
