//! JSON: JSON Lines, concatenated (pretty-printed) objects, or one top-level array whose
//! elements are the records. Reads a bounded sample: the first 1 MB, extended up to 10 MB
//! when no complete record fits, and at most 1,000 records, as Glue does.
//!
//! Types: whole numbers are `int`, or `bigint` beyond 32 bits; other numbers `double`;
//! objects `struct<...>` with their keys in the order first seen; arrays `array<...>` of the
//! merged element type; values of conflicting types widen (see [`crate::merge::widen`]),
//! and a column that is only ever null is `string`. Unlike Glue, a file holding one top-level
//! array of objects yields the objects' columns rather than a single array column.

use std::collections::HashMap;
use std::fmt;

use async_trait::async_trait;
use serde::de::{Deserialize, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::classifier::{Classification, Classifier, FormatProperties};
use crate::error::ClassifyError;
use crate::merge::widen;
use crate::ordered::Ordered;
use crate::schema::{Field, HiveType, Schema};
use crate::source::ObjectSource;
use crate::statistics::{ObjectFigures, StatisticsMode, TextFigures};

/// Bytes read first.
pub const SAMPLE_BYTES: u64 = 1024 * 1024;
/// Bytes read at most, when the first sample holds no complete record.
pub const MAX_SAMPLE_BYTES: u64 = 10 * 1024 * 1024;
/// Records inferred from at most.
pub const MAX_RECORDS: usize = 1000;

/// The inferred type of JSON values. Null stays unknown until every sampled value has been
/// merged, so that a null in one record does not turn a number in the next into a string.
#[derive(Debug, Clone, PartialEq)]
enum Inferred {
    Null,
    Leaf(HiveType),
    Array(Box<Inferred>),
    Object(Fields),
}

impl Inferred {
    fn merge(self, other: Inferred) -> Inferred {
        match (self, other) {
            (Inferred::Null, x) | (x, Inferred::Null) => x,
            (Inferred::Array(a), Inferred::Array(b)) => Inferred::Array(Box::new(a.merge(*b))),
            (Inferred::Object(a), Inferred::Object(b)) => Inferred::Object(a.merge(b)),
            (a, b) => Inferred::Leaf(widen(&a.finish(), &b.finish())),
        }
    }

    /// The Hive type; never-seen (all-null) types become `string`, as Glue types them.
    fn finish(self) -> HiveType {
        match self {
            Inferred::Null => HiveType::String,
            Inferred::Leaf(t) => t,
            Inferred::Array(element) => HiveType::Array(Box::new(element.finish())),
            Inferred::Object(fields) => HiveType::Struct(
                fields
                    .0
                    .into_entries()
                    .into_iter()
                    .map(|(name, t)| Field::new(name, t.finish()))
                    .collect(),
            ),
        }
    }
}

/// An object's fields in first-seen order. Hive names are case-insensitive, so keys
/// differing only in ASCII case are one field.
#[derive(Debug, Clone, Default, PartialEq)]
struct Fields(Ordered<Inferred>);

impl Fields {
    /// Adds a field, or merges its type into the field of the same name.
    fn insert(&mut self, key: String, value: Inferred) {
        self.0
            .add(key.to_ascii_lowercase(), key, value, |existing, value| {
                let current = std::mem::replace(existing, Inferred::Null);
                *existing = current.merge(value);
            });
    }

    /// Fields of both, `self`'s first.
    fn merge(mut self, other: Fields) -> Fields {
        for (key, value) in other.0.into_entries() {
            self.insert(key, value);
        }
        self
    }
}

struct InferVisitor;

impl<'de> Visitor<'de> for InferVisitor {
    type Value = Inferred;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Inferred, E> {
        Ok(Inferred::Leaf(HiveType::Boolean))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Inferred, E> {
        Ok(Inferred::Leaf(if i32::try_from(v).is_ok() {
            HiveType::Int
        } else {
            HiveType::BigInt
        }))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Inferred, E> {
        Ok(Inferred::Leaf(if v <= i32::MAX as u64 {
            HiveType::Int
        } else if v <= i64::MAX as u64 {
            HiveType::BigInt
        } else {
            HiveType::Decimal {
                precision: 20,
                scale: 0,
            }
        }))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Inferred, E> {
        Ok(Inferred::Leaf(HiveType::Double))
    }

    fn visit_str<E>(self, _: &str) -> Result<Inferred, E> {
        Ok(Inferred::Leaf(HiveType::String))
    }

    fn visit_unit<E>(self) -> Result<Inferred, E> {
        Ok(Inferred::Null)
    }

    fn visit_none<E>(self) -> Result<Inferred, E> {
        Ok(Inferred::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Inferred, A::Error> {
        let mut element = Inferred::Null;
        while let Some(item) = seq.next_element::<Inferred>()? {
            element = element.merge(item);
        }
        Ok(Inferred::Array(Box::new(element)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Inferred, A::Error> {
        let mut fields = Fields::default();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<Inferred>()?;
            fields.insert(key, value);
        }
        Ok(Inferred::Object(fields))
    }
}

impl<'de> Deserialize<'de> for Inferred {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Inferred, D::Error> {
        deserializer.deserialize_any(InferVisitor)
    }
}

/// Records found in a sample, with what went wrong.
#[derive(Debug)]
struct Sampled<T> {
    records: Vec<T>,
    /// Bytes of the sample taken by the records found.
    consumed: usize,
    /// A record that does not parse, before the end of the sample.
    error: Option<String>,
    top_level_array: bool,
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && bytes[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

/// Parses up to [`MAX_RECORDS`] records. A record cut off by the end of a partial sample is
/// not an error; one that fails before it is.
fn sample_records<T: DeserializeOwned>(text: &[u8], complete: bool) -> Sampled<T> {
    let mut sampled = Sampled {
        records: Vec::new(),
        consumed: 0,
        error: None,
        top_level_array: false,
    };
    let start = skip_whitespace(text, 0);
    let mut at = start;
    sampled.top_level_array = text.get(start) == Some(&b'[');
    if sampled.top_level_array {
        at += 1;
    }
    while sampled.records.len() < MAX_RECORDS {
        at = skip_whitespace(text, at);
        if sampled.top_level_array {
            match text.get(at) {
                Some(b',') if !sampled.records.is_empty() => at = skip_whitespace(text, at + 1),
                Some(b']') => {
                    sampled.consumed = at + 1;
                    break;
                }
                _ => {}
            }
        }
        if at >= text.len() {
            break;
        }
        let mut stream = serde_json::Deserializer::from_slice(&text[at..]).into_iter::<T>();
        match stream.next() {
            Some(Ok(record)) => {
                at += stream.byte_offset();
                sampled.records.push(record);
                sampled.consumed = at;
            }
            Some(Err(error)) if error.is_eof() && !complete => break,
            Some(Err(error)) => {
                sampled.error = Some(format!(
                    "byte {}: {error}",
                    at + error.column().saturating_sub(1)
                ));
                break;
            }
            None => break,
        }
    }
    sampled
}

/// One step of a JSONPath.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    All,
}

/// The JSONPath subset Glue's JSON classifiers accept: `$` followed by `.name`, `['name']`,
/// `[n]`, `[*]` and `.*` steps. `$[*]` makes each element of a top-level array a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    text: String,
    steps: Vec<Step>,
}

impl JsonPath {
    /// Parses a path, or says what is wrong with it.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let mut rest = text
            .trim()
            .strip_prefix('$')
            .ok_or_else(|| format!("JSONPath {text:?} must start with $"))?;
        let mut steps = Vec::new();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix(".*").or_else(|| rest.strip_prefix("[*]")) {
                steps.push(Step::All);
                rest = after;
            } else if let Some(after) = rest.strip_prefix('.') {
                let end = after.find(['.', '[']).unwrap_or(after.len());
                if end == 0 {
                    return Err(format!("JSONPath {text:?} has an empty name"));
                }
                steps.push(Step::Key(after[..end].to_string()));
                rest = &after[end..];
            } else if let Some(after) = rest.strip_prefix('[') {
                let end = after
                    .find(']')
                    .ok_or_else(|| format!("JSONPath {text:?} has [ without ]"))?;
                let inside = after[..end].trim();
                let quoted = inside
                    .strip_prefix('\'')
                    .and_then(|s| s.strip_suffix('\''))
                    .or_else(|| inside.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
                steps.push(match quoted {
                    Some(name) => Step::Key(name.to_string()),
                    None => Step::Index(inside.parse().map_err(|_| {
                        format!(
                            "JSONPath {text:?}: [{inside}] is not an index, '*' or a quoted name"
                        )
                    })?),
                });
                rest = &after[end + 1..];
            } else {
                return Err(format!("JSONPath {text:?}: unexpected {rest:?}"));
            }
        }
        Ok(JsonPath {
            text: text.to_string(),
            steps,
        })
    }

    /// The values the path selects in `document`.
    fn select<'a>(&self, document: &'a serde_json::Value) -> Vec<&'a serde_json::Value> {
        let mut current = vec![document];
        for step in &self.steps {
            current = current
                .into_iter()
                .flat_map(|value| -> Vec<&serde_json::Value> {
                    match (step, value) {
                        (Step::Key(key), serde_json::Value::Object(map)) => {
                            map.get(key).into_iter().collect()
                        }
                        (Step::Index(i), serde_json::Value::Array(items)) => {
                            items.get(*i).into_iter().collect()
                        }
                        (Step::All, serde_json::Value::Array(items)) => items.iter().collect(),
                        (Step::All, serde_json::Value::Object(map)) => map.values().collect(),
                        _ => Vec::new(),
                    }
                })
                .collect();
        }
        current
    }
}

/// Recognizes JSON records and infers their schema. With a [`JsonPath`] (a custom JSON
/// classifier), the records are the values the path selects in each document.
#[derive(Debug, Clone, Default)]
pub struct JsonClassifier {
    json_path: Option<JsonPath>,
}

impl JsonClassifier {
    /// A classifier whose records are the values `path` selects.
    pub fn with_path(path: JsonPath) -> JsonClassifier {
        JsonClassifier {
            json_path: Some(path),
        }
    }
}

/// What the sampling of an object found.
struct Found {
    records: Vec<Inferred>,
    /// The records' values, for statistics (when wanted).
    values: Vec<serde_json::Value>,
    record_count: Option<(u64, bool)>,
    warnings: Vec<String>,
    certainty: f64,
}

impl JsonClassifier {
    /// Records of JSON Lines, concatenated objects or a top-level array.
    async fn sample(&self, object: &dyn ObjectSource) -> Result<Option<Found>, ClassifyError> {
        let size = object.info().size;
        let mut read = size.min(SAMPLE_BYTES);
        let mut sample = object.read_range(0..read).await?;
        let text = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&sample);
        let first = text.iter().find(|b| !b.is_ascii_whitespace());
        if !matches!(first, Some(b'{') | Some(b'[')) {
            return Ok(None);
        }
        let mut sampled = sample_records::<Inferred>(text, read == size);
        if sampled.records.is_empty() && sampled.error.is_none() && read < size {
            read = size.min(MAX_SAMPLE_BYTES);
            sample = object.read_range(0..read).await?;
            let text = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&sample);
            sampled = sample_records(text, read == size);
        }
        // Statistics need the values, which inference does not keep: the records found are
        // read again (serde_json's maps sort their keys, so the schema's column order comes
        // from the first reading).
        let values = if object.statistics_mode() == StatisticsMode::Off {
            Vec::new()
        } else {
            let text = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&sample);
            sample_records::<serde_json::Value>(&text[..sampled.consumed.min(text.len())], true)
                .records
        };
        if sampled.records.is_empty() {
            // Starts like JSON but no record parses: not JSON (another classifier may know).
            return Ok(None);
        }
        let mut warnings = Vec::new();
        let mut certainty = 1.0;
        if let Some(error) = &sampled.error {
            warnings.push(format!(
                "a record does not parse at {error}; inferred from the {} before it",
                sampled.records.len()
            ));
            certainty = 0.8;
        }
        if sampled.top_level_array {
            warnings.push("the file is one JSON array; its elements are the records".into());
        }
        let records = sampled.records.len();
        let record_count = if read == size && sampled.error.is_none() && records < MAX_RECORDS {
            Some((records as u64, false))
        } else if sampled.consumed > 0 {
            let average = sampled.consumed as f64 / records as f64;
            Some(((size as f64 / average).round() as u64, true))
        } else {
            None
        };
        Ok(Some(Found {
            records: sampled.records,
            values,
            record_count,
            warnings,
            certainty,
        }))
    }

    /// Records selected by a JSONPath in a whole document (documents up to 10 MB).
    async fn select(
        &self,
        path: &JsonPath,
        object: &dyn ObjectSource,
    ) -> Result<Option<Found>, ClassifyError> {
        let size = object.info().size;
        let sample = object.read_range(0..size.min(MAX_SAMPLE_BYTES)).await?;
        let text = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&sample);
        let mut stream =
            serde_json::Deserializer::from_slice(text).into_iter::<serde_json::Value>();
        let mut records = Vec::new();
        let mut values = Vec::new();
        while let Some(Ok(document)) = stream.next() {
            for value in path.select(&document) {
                records.push(Inferred::deserialize(value).unwrap_or(Inferred::Null));
                if object.statistics_mode() != StatisticsMode::Off {
                    values.push(value.clone());
                }
            }
            if records.len() >= MAX_RECORDS {
                break;
            }
        }
        if records.is_empty() {
            return Ok(None);
        }
        let mut warnings = Vec::new();
        if size > MAX_SAMPLE_BYTES {
            warnings.push(format!(
                "only the first {MAX_SAMPLE_BYTES} bytes were read to apply {}",
                path.text
            ));
        }
        records.truncate(MAX_RECORDS);
        values.truncate(MAX_RECORDS);
        Ok(Some(Found {
            records,
            values,
            record_count: None,
            warnings,
            certainty: 1.0,
        }))
    }
}

#[async_trait]
impl Classifier for JsonClassifier {
    fn name(&self) -> &str {
        "json"
    }

    async fn classify(
        &self,
        object: &dyn ObjectSource,
    ) -> Result<Option<Classification>, ClassifyError> {
        let found = match &self.json_path {
            Some(path) => self.select(path, object).await?,
            None => self.sample(object).await?,
        };
        let Some(Found {
            records,
            values,
            record_count,
            mut warnings,
            certainty,
        }) = found
        else {
            return Ok(None);
        };
        let mut columns = Fields::default();
        let mut scalars = Inferred::Null;
        let mut any_scalar = false;
        for record in records {
            match record {
                Inferred::Object(fields) => columns = columns.merge(fields),
                other => {
                    any_scalar = true;
                    scalars = scalars.merge(other);
                }
            }
        }
        if any_scalar {
            // Records that are not objects become one column, as Glue names it.
            warnings.push(
                "some records are not objects; they are typed in a column named record".into(),
            );
            columns.insert("record".into(), scalars);
        }
        let mut paths: Vec<&str> = columns
            .0
            .entries()
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        paths.sort_unstable();
        let mut properties = FormatProperties::text("org.openx.data.jsonserde.JsonSerDe");
        properties
            .serde_parameters
            .insert("paths".into(), paths.join(","));
        if let Some((count, estimated)) = record_count {
            properties.record_count = Some(count);
            properties.record_count_estimated = estimated;
        }
        let fields: Vec<Field> = columns
            .0
            .into_entries()
            .into_iter()
            .map(|(name, t)| Field::new(name.to_lowercase(), t.finish()))
            .collect();
        let statistics = match object.statistics_mode() {
            // A schema past the width limit is refused: its figures would go unused.
            StatisticsMode::Off => None,
            _ if fields.len() > crate::limits::MAX_COLUMNS => None,
            mode => {
                let every_record = record_count.is_some_and(|(_, estimated)| !estimated);
                Some(record_figures(&fields, &values, mode, !every_record))
            }
        };
        Ok(Some(Classification {
            classification: "json".into(),
            certainty,
            schema: Schema::new(fields),
            properties,
            warnings,
            statistics,
        }))
    }
}

/// A JSON scalar as the text a SerDe reads; `None` for null and for arrays and objects
/// (whose columns have no figures).
fn scalar_text(value: &serde_json::Value) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        serde_json::Value::String(text) => Some(text.as_str().into()),
        serde_json::Value::Number(number) => Some(number.to_string().into()),
        serde_json::Value::Bool(flag) => Some(if *flag { "true" } else { "false" }.into()),
        _ => None,
    }
}

/// Figures of the records' top-level fields (keys match columns ignoring case, as the
/// schema merges them); records that are not objects are the `record` column's values.
fn record_figures(
    fields: &[Field],
    records: &[serde_json::Value],
    mode: StatisticsMode,
    sampled: bool,
) -> ObjectFigures {
    // Column names are lower case; a record's keys are looked up by theirs, so a record
    // costs its number of keys, however wide the schema.
    let position: HashMap<&str, usize> = fields
        .iter()
        .enumerate()
        .map(|(i, field)| (field.name.as_str(), i))
        .collect();
    let record_column = position.get("record").copied();
    let mut figures = TextFigures::new(fields, mode);
    for record in records {
        let mut values: Vec<Option<std::borrow::Cow<'_, str>>> = vec![None; fields.len()];
        match record {
            serde_json::Value::Object(members) => {
                for (key, value) in members {
                    if let Some(&i) = position.get(key.to_lowercase().as_str()) {
                        values[i] = scalar_text(value);
                    }
                }
            }
            other => {
                if let Some(i) = record_column {
                    values[i] = scalar_text(other);
                }
            }
        }
        figures.add_row(values.iter().map(|v| v.as_deref()));
    }
    figures.finish(sampled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::InMemoryObject;

    async fn classify(text: &str) -> Option<Classification> {
        JsonClassifier::default()
            .classify(&InMemoryObject::new("x.json", text.as_bytes().to_vec()))
            .await
            .unwrap()
    }

    fn columns(found: &Classification) -> Vec<String> {
        found
            .schema
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.data_type))
            .collect()
    }

    #[tokio::test]
    async fn json_lines_keep_key_order_and_widen() {
        let text = "{\"Zeta\": 1, \"alpha\": \"x\", \"n\": null}\n\
                    {\"zeta\": 3000000000, \"alpha\": \"y\", \"n\": 1.5, \"tags\": [1, 2]}\n\
                    {\"alpha\": 7, \"obj\": {\"b\": true, \"a\": [{\"k\": 1}, {\"k\": \"s\"}]}}\n";
        let found = classify(text).await.unwrap();
        assert_eq!(
            columns(&found),
            [
                "zeta:bigint",
                "alpha:string",
                "n:double",
                "tags:array<int>",
                "obj:struct<b:boolean,a:array<struct<k:string>>>"
            ]
        );
        assert_eq!(found.certainty, 1.0);
        assert_eq!(found.properties.record_count, Some(3));
        assert_eq!(
            found.properties.serde_parameters["paths"],
            "Zeta,alpha,n,obj,tags"
        );
    }

    #[tokio::test]
    async fn concatenated_pretty_objects_and_top_level_arrays() {
        let pretty = "{\n  \"a\": 1\n}\n{\n  \"a\": 2,\n  \"b\": false\n}";
        assert_eq!(
            columns(&classify(pretty).await.unwrap()),
            ["a:int", "b:boolean"]
        );
        let array = "\u{feff} [ {\"a\": 1}, {\"a\": 2.5, \"c\": \"x\"} ] ";
        let found = classify(array).await.unwrap();
        assert_eq!(columns(&found), ["a:double", "c:string"]);
        assert_eq!(found.properties.record_count, Some(2));
    }

    #[tokio::test]
    async fn not_json_and_broken_json() {
        assert!(classify("id,name\n1,x\n").await.is_none());
        assert!(classify("").await.is_none());
        assert!(classify("{not json").await.is_none());
        let found = classify("{\"a\": 1}\n{\"a\": }\n{\"a\": 2}").await.unwrap();
        assert_eq!(found.certainty, 0.8);
        assert!(
            found.warnings[0].contains("does not parse"),
            "{:?}",
            found.warnings
        );
        let deep = format!("{}1{}", "[".repeat(1000), "]".repeat(1000));
        assert!(
            classify(&deep).await.is_none(),
            "nesting beyond serde_json's limit is refused"
        );
    }

    #[tokio::test]
    async fn large_arrays_are_sampled_not_read_whole() {
        let record = "{\"id\": 12345, \"name\": \"abcdefghij\"},";
        let mut text = String::from("[");
        while text.len() < 3 * SAMPLE_BYTES as usize {
            text.push_str(record);
        }
        text.push_str("{\"id\": 1, \"name\": \"z\"}]");
        let found = classify(&text).await.unwrap();
        assert_eq!(columns(&found), ["id:int", "name:string"]);
        assert!(found.properties.record_count_estimated);
        let estimate = found.properties.record_count.unwrap() as f64;
        let actual = (text.len() / record.len()) as f64;
        assert!(
            (estimate / actual - 1.0).abs() < 0.05,
            "{estimate} vs {actual}"
        );
    }

    #[tokio::test]
    async fn json_paths_select_records() {
        let document = r#"{"meta": {"count": 2}, "items": [{"id": 1, "tags": ["a"]}, {"id": 2, "extra": true}]}"#;
        let classify_with = |path: &str| {
            let classifier = JsonClassifier::with_path(JsonPath::parse(path).unwrap());
            let object = InMemoryObject::new("x.json", document.as_bytes().to_vec());
            async move { classifier.classify(&object).await.unwrap() }
        };
        let found = classify_with("$.items[*]").await.unwrap();
        assert_eq!(
            columns(&found),
            ["id:int", "tags:array<string>", "extra:boolean"]
        );
        let found = classify_with("$['meta'].count").await.unwrap();
        assert_eq!(columns(&found), ["record:int"]);
        assert!(classify_with("$.missing[*]").await.is_none());
        let array = JsonClassifier::with_path(JsonPath::parse("$[*]").unwrap());
        let found = array
            .classify(&InMemoryObject::new(
                "x.json",
                br#"[{"a": 1}, {"b": "x"}]"#.to_vec(),
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(columns(&found), ["a:int", "b:string"]);
        for bad in ["items", "$.", "$[x]", "$[1", "$..a"] {
            assert!(JsonPath::parse(bad).is_err(), "{bad}");
        }
    }
}
