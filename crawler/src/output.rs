//! What the crawler writes for a table and its partitions: the storage descriptors, SerDes
//! and parameters AWS Glue's crawler writes, so that engines that read Glue tables read
//! these (see section 5 of the Glue behaviour reference).

use std::collections::BTreeMap;

use lakecat_catalog::{
    Column, Parameters, PartitionInput, SerDeInfo, StorageDescriptor, TableInput,
};
use lakecat_classifiers::Schema;
use lakecat_table_formats::{OpenColumn, OpenTable};

use crate::group::{PartitionDraft, TableDraft};
use crate::scan::{Format, ObjectStats};

/// The parameter naming the crawler that last wrote a table.
pub const UPDATED_BY_CRAWLER: &str = "UPDATED_BY_CRAWLER";
/// The parameter marking a table whose data is gone, with the time (epoch milliseconds).
pub const DEPRECATED_BY_CRAWLER: &str = "DEPRECATED_BY_CRAWLER";
/// A digest of what the crawler wrote (columns, keys, location, formats): a table whose
/// current definition does not match it was edited by someone else since.
pub const CRAWLER_FINGERPRINT: &str = "lakecat.crawler.fingerprint";

/// Parameters the crawler owns: recomputed on every crawl. Other parameters on a table are
/// someone else's and are kept.
const CRAWLER_PARAMETERS: &[&str] = &[
    // What an open-format table's metadata says (its pointer and version): the crawler
    // follows the table, so these move on every crawl of a table it owns.
    "table_type",
    "metadata_location",
    "previous_metadata_location",
    "spark.sql.sources.provider",
    "delta.lastUpdateVersion",
    "delta.lastCommitTimestamp",
    "last_commit_time_sync",
    "classification",
    "compressionType",
    "typeOfData",
    "recordCount",
    "averageRecordSize",
    "objectCount",
    "sizeKey",
    "CrawlerSchemaDeserializerVersion",
    "CrawlerSchemaSerializerVersion",
    UPDATED_BY_CRAWLER,
    DEPRECATED_BY_CRAWLER,
    CRAWLER_FINGERPRINT,
    "partition_filtering.enabled",
    "delimiter",
    "areColumnsQuoted",
    "columnsOrdered",
    "skip.header.line.count",
    "exclusions",
];

/// Whether the crawler owns parameter `key`.
pub fn is_crawler_parameter(key: &str) -> bool {
    CRAWLER_PARAMETERS.contains(&key)
}

/// What the table and partition builders need besides the draft.
#[derive(Debug, Clone)]
pub struct OutputContext<'a> {
    /// The crawler's name, written as `UPDATED_BY_CRAWLER`.
    pub crawler: &'a str,
    /// The target's exclusions as absolute globs, written as `exclusions`.
    pub exclusions: Vec<String>,
    /// Partitions take the table's columns and formats instead of their own.
    pub partitions_inherit_from_table: bool,
}

fn columns(schema: &Schema) -> Vec<Column> {
    schema
        .fields
        .iter()
        .map(|f| Column {
            name: f.name.clone(),
            type_name: Some(f.data_type.to_string()),
            ..Column::default()
        })
        .collect()
}

/// The parameters Glue's crawler writes on tables, partitions and storage descriptors.
fn parameters(
    format: &Format,
    stats: &ObjectStats,
    context: &OutputContext<'_>,
    partitioned: bool,
) -> Parameters {
    let mut p = Parameters::new();
    let records = stats.estimated_records();
    p.insert("classification".into(), format.classification.clone());
    p.insert(
        "compressionType".into(),
        format.compression().glue_name().into(),
    );
    p.insert("typeOfData".into(), "file".into());
    p.insert("recordCount".into(), records.to_string());
    p.insert("objectCount".into(), stats.objects.to_string());
    p.insert("sizeKey".into(), stats.bytes.to_string());
    p.insert(
        "averageRecordSize".into(),
        stats.bytes.checked_div(records).unwrap_or(0).to_string(),
    );
    p.insert("CrawlerSchemaDeserializerVersion".into(), "1.0".into());
    p.insert("CrawlerSchemaSerializerVersion".into(), "1.0".into());
    p.insert(UPDATED_BY_CRAWLER.into(), context.crawler.to_string());
    if partitioned {
        p.insert("partition_filtering.enabled".into(), "true".into());
    }
    let props = &format.properties;
    if let Some(delimiter) = props.delimiter {
        p.insert("delimiter".into(), delimiter.to_string());
        p.insert("columnsOrdered".into(), "true".into());
        p.insert(
            "areColumnsQuoted".into(),
            (props.serde_library.as_deref() == Some("org.apache.hadoop.hive.serde2.OpenCSVSerde"))
                .to_string(),
        );
        // The header and any preamble above it (titles, comments, blank lines): engines skip
        // that many lines of every file.
        if let Some(lines) = props.skip_lines.filter(|lines| *lines > 0) {
            p.insert("skip.header.line.count".into(), lines.to_string());
        }
    }
    if !context.exclusions.is_empty() {
        p.insert(
            "exclusions".into(),
            serde_json::to_string(&context.exclusions).unwrap_or_default(),
        );
    }
    p
}

fn storage_descriptor(
    format: &Format,
    location: &str,
    schema: &Schema,
    schema_parameters: &BTreeMap<String, String>,
    parameters: Parameters,
) -> StorageDescriptor {
    let props = &format.properties;
    let mut serde_parameters = Parameters::new();
    for (key, value) in props.serde_parameters.iter().chain(schema_parameters) {
        serde_parameters.insert(key.clone(), value.clone());
    }
    if serde_parameters.contains_key("paths") {
        // The JSON SerDe's `paths` lists the columns it reads: those of this schema.
        let mut names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
        names.sort_unstable();
        serde_parameters.insert("paths".into(), names.join(","));
    }
    StorageDescriptor {
        columns: columns(schema),
        location: Some(location.to_string()),
        input_format: props.input_format.clone(),
        output_format: props.output_format.clone(),
        compressed: false,
        number_of_buckets: -1,
        serde_info: Some(SerDeInfo {
            name: None,
            serialization_library: props.serde_library.clone(),
            parameters: serde_parameters,
        }),
        bucket_columns: Vec::new(),
        sort_columns: Vec::new(),
        parameters,
        stored_as_sub_directories: false,
    }
}

/// The table the crawler writes for `draft`.
pub fn table_input(draft: &TableDraft, context: &OutputContext<'_>) -> TableInput {
    let partitioned = !draft.partition_keys.is_empty();
    let params = parameters(&draft.format, &draft.stats, context, partitioned);
    let mut input = TableInput {
        name: draft.name.clone(),
        table_type: Some("EXTERNAL_TABLE".into()),
        parameters: params.clone(),
        partition_keys: draft
            .partition_keys
            .iter()
            .map(|k| Column {
                name: k.clone(),
                type_name: Some("string".into()),
                ..Column::default()
            })
            .collect(),
        retention: 0,
        storage_descriptor: Some(storage_descriptor(
            &draft.format,
            &draft.location,
            &draft.schema,
            &draft.schema_parameters,
            params,
        )),
        ..TableInput::default()
    };
    if let Some(open) = &draft.open {
        as_its_format_says(&mut input, open);
    }
    set_fingerprint(&mut input);
    input
}

/// Longest column comment the catalog takes, in bytes.
const MAX_COMMENT_BYTES: usize = 255;

/// A column of an open-format table, as its metadata gives it.
fn open_column(column: &OpenColumn) -> Column {
    Column {
        name: column.name.clone(),
        type_name: Some(column.type_name.clone()),
        comment: column.comment.as_deref().map(|comment| {
            let mut end = comment.len().min(MAX_COMMENT_BYTES);
            while !comment.is_char_boundary(end) {
                end -= 1;
            }
            comment[..end].to_string()
        }),
        parameters: column
            .parameters
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// Rewrites a table the crawler built for an open-format table as the format's own catalog
/// integrations write it: columns with their comments and parameters, typed partition keys,
/// the format's parameters, and no SerDe for a format whose readers ignore it (Iceberg).
fn as_its_format_says(input: &mut TableInput, open: &OpenTable) {
    input.partition_keys = open.partition_keys.iter().map(open_column).collect();
    for (key, value) in &open.parameters {
        input.parameters.insert(key.clone(), value.clone());
    }
    if let Some(sd) = input.storage_descriptor.as_mut() {
        sd.columns = open.columns.iter().map(open_column).collect();
        if open.storage.is_none() {
            sd.serde_info = None;
        }
    }
}

/// The partition the crawler writes for `partition` of `draft`.
pub fn partition_input(
    draft: &TableDraft,
    partition: &PartitionDraft,
    context: &OutputContext<'_>,
) -> PartitionInput {
    let (schema, schema_parameters) = if context.partitions_inherit_from_table {
        (&draft.schema, &draft.schema_parameters)
    } else {
        (&partition.schema, &partition.schema_parameters)
    };
    let params = parameters(&draft.format, &partition.stats, context, false);
    let mut sd = storage_descriptor(
        &draft.format,
        &partition.location,
        schema,
        schema_parameters,
        params.clone(),
    );
    if let Some(open) = &draft.open {
        sd.columns = open.columns.iter().map(open_column).collect();
    }
    PartitionInput {
        values: partition.values.clone(),
        storage_descriptor: Some(sd),
        parameters: params,
        last_access_time: None,
    }
}

/// The digest of what a crawler decides about a table: columns, partition keys, location
/// and formats. Statistics and other parameters are left out, since they change without
/// anyone editing the table.
pub fn fingerprint(input: &TableInput) -> String {
    use sha2::{Digest, Sha256};
    let sd = input.storage_descriptor.as_ref();
    let decided = serde_json::json!({
        "columns": sd.map(|sd| &sd.columns),
        "keys": &input.partition_keys,
        "location": sd.and_then(|sd| sd.location.as_ref()),
        "input": sd.and_then(|sd| sd.input_format.as_ref()),
        "output": sd.and_then(|sd| sd.output_format.as_ref()),
        "serde": sd.and_then(|sd| sd.serde_info.as_ref()),
    });
    let digest = Sha256::digest(decided.to_string().as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Records the table's fingerprint in its parameters.
pub fn set_fingerprint(input: &mut TableInput) {
    let digest = fingerprint(input);
    input
        .parameters
        .insert(CRAWLER_FINGERPRINT.into(), digest.clone());
    if let Some(sd) = input.storage_descriptor.as_mut() {
        sd.parameters.insert(CRAWLER_FINGERPRINT.into(), digest);
    }
}
