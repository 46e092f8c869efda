//! Avro object container files: the schema comes from the header's `avro.schema` metadata,
//! read with one ranged read in the common case.
//!
//! Types: `null`-unions are the other branch (nullable); `int`/`long` with the `date` and
//! `timestamp-*` logical types are `date` and `timestamp`; `decimal` logical types are
//! `decimal(p,s)`; enums are `string`, fixed is `binary`, maps have `string` keys. Unions of
//! several non-null types, which Hive's `uniontype` would need and query engines rarely read,
//! are `string` with a warning.

use async_trait::async_trait;
use serde_json::Value;

use crate::classifier::{Classification, Classifier, FormatProperties};
use crate::error::ClassifyError;
use crate::schema::{Field, HiveType, Schema};
use crate::source::ObjectSource;

const MAGIC: &[u8] = b"Obj\x01";
/// The header read first; schemas rarely need more.
const HEADER_PREFETCH: u64 = 64 * 1024;
/// Headers larger than this are refused.
const MAX_HEADER_BYTES: u64 = 16 * 1024 * 1024;
/// Nesting beyond this (recursive named types) is typed `string`.
const MAX_DEPTH: usize = 32;

/// Recognizes Avro container files and reads their schema.
#[derive(Debug, Clone, Copy, Default)]
pub struct AvroClassifier;

fn corrupt(reason: impl Into<String>) -> ClassifyError {
    ClassifyError::corrupt("avro", reason)
}

/// A reader of Avro's binary encoding over a header buffer.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// Why header decoding stopped: the buffer ran out (read more) or the data is invalid.
enum Short {
    NeedMore,
    Invalid(String),
}

impl Cursor<'_> {
    fn long(&mut self) -> Result<i64, Short> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at).ok_or(Short::NeedMore)?;
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok((value >> 1) as i64 ^ -((value & 1) as i64));
            }
        }
        Err(Short::Invalid(
            "a variable-length integer is too long".into(),
        ))
    }

    fn bytes(&mut self) -> Result<&[u8], Short> {
        let length = self.long()?;
        let length = usize::try_from(length)
            .map_err(|_| Short::Invalid(format!("negative length {length}")))?;
        let end = self
            .at
            .checked_add(length)
            .ok_or_else(|| Short::Invalid("length overflows".into()))?;
        let slice = self.bytes.get(self.at..end).ok_or(Short::NeedMore)?;
        self.at = end;
        Ok(slice)
    }
}

/// The header's metadata map, as (key, value) pairs.
fn metadata(header: &[u8]) -> Result<Vec<(String, Vec<u8>)>, Short> {
    let mut cursor = Cursor {
        bytes: header,
        at: MAGIC.len(),
    };
    let mut entries = Vec::new();
    loop {
        let mut count = cursor.long()?;
        if count == 0 {
            return Ok(entries);
        }
        if count < 0 {
            // A negative count is followed by the block's size in bytes.
            count = -count;
            cursor.long()?;
        }
        for _ in 0..count {
            let key = String::from_utf8_lossy(cursor.bytes()?).into_owned();
            let value = cursor.bytes()?.to_vec();
            entries.push((key, value));
        }
    }
}

/// Converts an Avro schema to Hive types, resolving named types.
struct Converter {
    named: Vec<(String, Value)>,
    /// The namespace of the enclosing named type, which nested names inherit.
    namespace: String,
    warnings: Vec<String>,
}

impl Converter {
    fn name_of(&self, schema: &Value) -> Option<String> {
        let name = schema.get("name")?.as_str()?;
        if name.contains('.') {
            return Some(name.to_string());
        }
        let namespace = schema
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or(&self.namespace);
        Some(if namespace.is_empty() {
            name.to_string()
        } else {
            format!("{namespace}.{name}")
        })
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        self.named
            .iter()
            .find(|(full, _)| full == name || full.rsplit('.').next() == Some(name))
            .map(|(_, schema)| schema.clone())
    }

    fn convert(
        &mut self,
        schema: &Value,
        path: &str,
        depth: usize,
    ) -> Result<HiveType, ClassifyError> {
        if depth > MAX_DEPTH {
            self.warnings.push(format!(
                "{path}: nested deeper than {MAX_DEPTH} levels (a recursive type?); typed string"
            ));
            return Ok(HiveType::String);
        }
        match schema {
            Value::String(name) => self.primitive_or_named(name, path, depth),
            Value::Array(branches) => self.union(branches, path, depth),
            Value::Object(object) => {
                let kind = object
                    .get("type")
                    .ok_or_else(|| corrupt(format!("{path}: a schema without a type")))?;
                if let Some(logical) = object.get("logicalType").and_then(Value::as_str)
                    && let Some(t) = self.logical(logical, object, kind)
                {
                    return Ok(t);
                }
                let Value::String(kind) = kind else {
                    return self.convert(kind, path, depth + 1);
                };
                match kind.as_str() {
                    "record" | "error" => {
                        let enclosing = self.namespace.clone();
                        if let Some(name) = self.name_of(schema) {
                            self.namespace = name
                                .rsplit_once('.')
                                .map(|(ns, _)| ns.to_string())
                                .unwrap_or_default();
                            self.named.push((name, schema.clone()));
                        }
                        let fields = object
                            .get("fields")
                            .and_then(Value::as_array)
                            .ok_or_else(|| corrupt(format!("{path}: a record without fields")))?;
                        let mut converted = Vec::with_capacity(fields.len());
                        for field in fields {
                            let name =
                                field.get("name").and_then(Value::as_str).ok_or_else(|| {
                                    corrupt(format!("{path}: a field without a name"))
                                })?;
                            let field_type = field.get("type").ok_or_else(|| {
                                corrupt(format!("{path}.{name}: a field without a type"))
                            })?;
                            converted.push(Field::new(
                                name,
                                self.convert(field_type, &format!("{path}.{name}"), depth + 1)?,
                            ));
                        }
                        self.namespace = enclosing;
                        Ok(HiveType::Struct(converted))
                    }
                    "enum" | "fixed" => {
                        if let Some(name) = self.name_of(schema) {
                            self.named.push((name, schema.clone()));
                        }
                        Ok(if kind == "enum" {
                            HiveType::String
                        } else {
                            HiveType::Binary
                        })
                    }
                    "array" => {
                        let items = object
                            .get("items")
                            .ok_or_else(|| corrupt(format!("{path}: an array without items")))?;
                        Ok(HiveType::Array(Box::new(self.convert(
                            items,
                            &format!("{path}[]"),
                            depth + 1,
                        )?)))
                    }
                    "map" => {
                        let values = object
                            .get("values")
                            .ok_or_else(|| corrupt(format!("{path}: a map without values")))?;
                        Ok(HiveType::Map(
                            Box::new(HiveType::String),
                            Box::new(self.convert(values, &format!("{path}{{}}"), depth + 1)?),
                        ))
                    }
                    other => self.primitive_or_named(other, path, depth),
                }
            }
            other => Err(corrupt(format!("{path}: {other} is not an Avro schema"))),
        }
    }

    fn logical(
        &mut self,
        logical: &str,
        object: &serde_json::Map<String, Value>,
        kind: &Value,
    ) -> Option<HiveType> {
        let base = kind.as_str()?;
        match (logical, base) {
            ("date", "int") => Some(HiveType::Date),
            (
                "timestamp-millis"
                | "timestamp-micros"
                | "timestamp-nanos"
                | "local-timestamp-millis"
                | "local-timestamp-micros"
                | "local-timestamp-nanos",
                "long",
            ) => Some(HiveType::Timestamp),
            ("decimal", "bytes" | "fixed") => {
                let precision = object.get("precision").and_then(Value::as_u64)?;
                let scale = object.get("scale").and_then(Value::as_u64).unwrap_or(0);
                match (u8::try_from(precision), i8::try_from(scale)) {
                    (Ok(precision), Ok(scale)) if (1..=38).contains(&precision) => {
                        Some(HiveType::Decimal { precision, scale })
                    }
                    _ => None,
                }
            }
            ("uuid", "string") => Some(HiveType::String),
            // Unknown logical types read as their underlying type, as the Avro spec says.
            _ => None,
        }
    }

    fn primitive_or_named(
        &mut self,
        name: &str,
        path: &str,
        depth: usize,
    ) -> Result<HiveType, ClassifyError> {
        Ok(match name {
            "null" => HiveType::String,
            "boolean" => HiveType::Boolean,
            "int" => HiveType::Int,
            "long" => HiveType::BigInt,
            "float" => HiveType::Float,
            "double" => HiveType::Double,
            "bytes" => HiveType::Binary,
            "string" => HiveType::String,
            named => match self.lookup(named) {
                Some(schema) => return self.convert(&schema, path, depth + 1),
                None => return Err(corrupt(format!("{path}: unknown type {named}"))),
            },
        })
    }

    fn union(
        &mut self,
        branches: &[Value],
        path: &str,
        depth: usize,
    ) -> Result<HiveType, ClassifyError> {
        let non_null: Vec<&Value> = branches
            .iter()
            .filter(|b| b.as_str() != Some("null"))
            .collect();
        match non_null.as_slice() {
            [] => Ok(HiveType::String),
            [only] => self.convert(only, path, depth + 1),
            _ => {
                self.warnings.push(format!(
                    "{path}: a union of {} types; typed string",
                    non_null.len()
                ));
                Ok(HiveType::String)
            }
        }
    }
}

#[async_trait]
impl Classifier for AvroClassifier {
    fn name(&self) -> &str {
        "avro"
    }

    async fn classify(
        &self,
        object: &dyn ObjectSource,
    ) -> Result<Option<Classification>, ClassifyError> {
        let size = object.info().size;
        let mut length = size.min(HEADER_PREFETCH);
        let mut header = object.read_range(0..length).await?;
        if !header.starts_with(MAGIC) {
            return Ok(None);
        }
        let entries = loop {
            match metadata(&header) {
                Ok(entries) => break entries,
                Err(Short::Invalid(reason)) => return Err(corrupt(format!("header: {reason}"))),
                Err(Short::NeedMore) if length < size.min(MAX_HEADER_BYTES) => {
                    length = size.min(MAX_HEADER_BYTES).min(length * 4);
                    header = object.read_range(0..length).await?;
                }
                Err(Short::NeedMore) => {
                    return Err(corrupt("the header ends before its metadata does"));
                }
            }
        };
        let schema_text = entries
            .iter()
            .find(|(key, _)| key == "avro.schema")
            .map(|(_, value)| value.clone())
            .ok_or_else(|| corrupt("the header has no avro.schema"))?;
        let schema: Value = serde_json::from_slice(&schema_text)
            .map_err(|e| corrupt(format!("avro.schema is not JSON: {e}")))?;
        let mut converter = Converter {
            named: Vec::new(),
            namespace: String::new(),
            warnings: Vec::new(),
        };
        let fields = match converter.convert(&schema, "", 0)? {
            HiveType::Struct(fields) => fields,
            other => {
                converter.warnings.push(
                    "the schema is not a record; its values are one column named record".into(),
                );
                vec![Field::new("record", other)]
            }
        };
        let literal = String::from_utf8_lossy(&schema_text).into_owned();
        let mut properties = FormatProperties {
            serde_library: Some("org.apache.hadoop.hive.serde2.avro.AvroSerDe".into()),
            input_format: Some("org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat".into()),
            output_format: Some(
                "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat".into(),
            ),
            ..FormatProperties::default()
        };
        properties
            .serde_parameters
            .insert("avro.schema.literal".into(), literal);
        properties
            .serde_parameters
            .insert("serialization.format".into(), "1".into());
        Ok(Some(Classification {
            classification: "avro".into(),
            certainty: 1.0,
            schema: Schema::new(fields),
            properties,
            warnings: converter.warnings,
            statistics: None,
        }))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::source::InMemoryObject;

    fn long(out: &mut Vec<u8>, value: i64) {
        let mut zigzag = ((value << 1) ^ (value >> 63)) as u64;
        loop {
            let byte = (zigzag & 0x7f) as u8;
            zigzag >>= 7;
            if zigzag == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn bytes(out: &mut Vec<u8>, value: &[u8]) {
        long(out, value.len() as i64);
        out.extend_from_slice(value);
    }

    /// An Avro container file with `schema` and no data blocks.
    pub(crate) fn container(schema: &str) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        long(&mut out, 2);
        bytes(&mut out, b"avro.schema");
        bytes(&mut out, schema.as_bytes());
        bytes(&mut out, b"avro.codec");
        bytes(&mut out, b"null");
        long(&mut out, 0);
        out.extend_from_slice(&[7u8; 16]);
        out
    }

    async fn classify(bytes: Vec<u8>) -> Result<Option<Classification>, ClassifyError> {
        AvroClassifier
            .classify(&InMemoryObject::new("x.avro", bytes))
            .await
    }

    #[tokio::test]
    async fn schema_types() {
        let schema = r#"{"type": "record", "name": "Order", "namespace": "shop", "fields": [
            {"name": "id", "type": "long"},
            {"name": "note", "type": ["null", "string"], "default": null},
            {"name": "day", "type": {"type": "int", "logicalType": "date"}},
            {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
            {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
            {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["A", "B"]}},
            {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
                {"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}]}}},
            {"name": "attrs", "type": {"type": "map", "values": "double"}},
            {"name": "hash", "type": {"type": "fixed", "name": "Md5", "size": 16}},
            {"name": "again", "type": ["null", "shop.Line"]},
            {"name": "either", "type": ["int", "string"]}
        ]}"#;
        let found = classify(container(schema)).await.unwrap().unwrap();
        let columns: Vec<String> = found
            .schema
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.data_type))
            .collect();
        assert_eq!(
            columns,
            [
                "id:bigint",
                "note:string",
                "day:date",
                "at:timestamp",
                "amount:decimal(10,2)",
                "status:string",
                "lines:array<struct<sku:string,qty:int>>",
                "attrs:map<string,double>",
                "hash:binary",
                "again:struct<sku:string,qty:int>",
                "either:string"
            ]
        );
        assert_eq!(
            found.warnings,
            [".either: a union of 2 types; typed string"]
        );
        assert!(found.properties.serde_parameters["avro.schema.literal"].contains("Order"));
    }

    #[tokio::test]
    async fn recursive_types_are_cut() {
        let schema = r#"{"type": "record", "name": "Node", "fields": [
            {"name": "value", "type": "int"}, {"name": "next", "type": ["null", "Node"]}]}"#;
        let found = classify(container(schema)).await.unwrap().unwrap();
        assert_eq!(found.schema.fields.len(), 2);
        assert!(
            found.warnings[0].contains("recursive"),
            "{:?}",
            found.warnings
        );
    }

    #[tokio::test]
    async fn broken_headers() {
        assert!(classify(b"not avro".to_vec()).await.unwrap().is_none());
        let mut cut = container(r#"{"type": "record", "name": "R", "fields": []}"#);
        cut.truncate(20);
        let error = classify(cut).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "corrupt avro object: the header ends before its metadata does"
        );
        let error = classify(container("{not json")).await.unwrap_err();
        assert!(
            error.to_string().contains("avro.schema is not JSON"),
            "{error}"
        );
        let error = classify(container(
            r#"{"type": "record", "name": "R", "fields": [{"name": "a", "type": "Missing"}]}"#,
        ))
        .await
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "corrupt avro object: .a: unknown type Missing"
        );
    }

    mod mutations {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn mutated_headers_never_panic(
                edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                cut in any::<prop::sample::Index>(),
            ) {
                let mut bytes = container(r#"{"type": "record", "name": "R", "namespace": "n", "fields": [
                    {"name": "a", "type": ["null", {"type": "array", "items": "R"}]},
                    {"name": "b", "type": {"type": "map", "values": {"type": "fixed", "name": "F", "size": 2}}}]}"#);
                for (at, value) in edits {
                    let i = at.index(bytes.len());
                    bytes[i] = value;
                }
                bytes.truncate(cut.index(bytes.len()) + 1);
                let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
                let _ = runtime.block_on(classify(bytes));
            }
        }
    }
}
