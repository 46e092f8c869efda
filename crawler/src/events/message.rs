//! Event notifications, as SQS messages and webhook bodies carry them, normalized into
//! [`ObjectEvent`]s: S3 event records (AWS, and MinIO, Ceph RGW and RustFS, which post the
//! same records with `s3:`-prefixed names), the SNS envelope around them, S3's test event,
//! and lakecat's generic body for pipelines that announce what they wrote.

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use lakecat_catalog::crawlers::ObjectChange;

use crate::error::{CrawlError, Result};

/// One object changed, whatever source reported it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectEvent {
    /// The store: `s3://bucket`, or `file://` for a local path.
    pub store: String,
    /// The object's key in the store, decoded (no leading `/`).
    pub key: String,
    /// What happened.
    pub change: ObjectChange,
    /// When the store says it happened.
    pub time: Option<DateTime<Utc>>,
    /// S3's sequencer: orders events on one key; kept for the run record and to tell
    /// redelivered events from new ones.
    pub sequencer: Option<String>,
}

impl ObjectEvent {
    /// The object's URL: `s3://bucket/key`, `file:///path`.
    pub fn url(&self) -> String {
        format!("{}/{}", self.store, self.key)
    }
}

/// A record of a notification that changes no data (tagging, ACLs, restores, transitions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredRecord {
    /// The object's URL, or the notification's own name when it names no object.
    pub what: String,
    /// Why it changes nothing.
    pub reason: String,
}

/// What a notification says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notification {
    /// The objects it reports changed.
    pub events: Vec<ObjectEvent>,
    /// Its records that change no data.
    pub ignored: Vec<IgnoredRecord>,
}

/// Reads a notification body. A body of no known shape, or with a record that names no
/// object, is an [`CrawlError::InvalidEvent`] as a whole: its messages go to the dead-letter
/// queue rather than lose the records that could be read.
pub fn parse(body: &str) -> Result<Notification> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| unusable(format!("not JSON: {e}")))?;
    parse_value(&value, true)
}

fn unusable(reason: String) -> CrawlError {
    CrawlError::InvalidEvent { reason }
}

fn parse_value(value: &Value, may_be_envelope: bool) -> Result<Notification> {
    let Some(object) = value.as_object() else {
        return Err(unusable("not a JSON object".into()));
    };
    if let Some(records) = object.get("Records") {
        let records = records
            .as_array()
            .ok_or_else(|| unusable("Records is not an array".into()))?;
        let mut notification = Notification::default();
        for (index, record) in records.iter().enumerate() {
            s3_record(record, &mut notification)
                .map_err(|reason| unusable(format!("record {index}: {reason}")))?;
        }
        return Ok(notification);
    }
    if may_be_envelope && object.get("Type").and_then(Value::as_str) == Some("Notification") {
        // SNS delivers the S3 body as a JSON string in `Message`.
        let inner = object
            .get("Message")
            .and_then(Value::as_str)
            .ok_or_else(|| unusable("an SNS notification without a Message string".into()))?;
        let inner: Value = serde_json::from_str(inner)
            .map_err(|e| unusable(format!("the SNS Message is not JSON: {e}")))?;
        return parse_value(&inner, false);
    }
    if let Some(event) = object.get("Event").and_then(Value::as_str)
        && event.ends_with("TestEvent")
    {
        return Ok(Notification {
            events: Vec::new(),
            ignored: vec![IgnoredRecord {
                what: event.to_string(),
                reason: "a test event, sent when a bucket's notifications are configured".into(),
            }],
        });
    }
    if let Some(changes) = object.get("changes") {
        return generic_changes(changes);
    }
    Err(unusable(
        "expected S3 event records (Records), an SNS notification, or {\"changes\": [...]}".into(),
    ))
}

/// How an S3 event name changes the object; `Err` with why for names that change no data.
fn change_of(event_name: &str) -> Result<ObjectChange, String> {
    // MinIO and Ceph name events as bucket notification configurations do (`s3:…`).
    let name = event_name.strip_prefix("s3:").unwrap_or(event_name);
    if name.starts_with("ObjectCreated:") {
        Ok(ObjectChange::Created)
    } else if name.starts_with("ObjectRemoved:") || name.starts_with("LifecycleExpiration:") {
        Ok(ObjectChange::Removed)
    } else {
        Err(format!("{event_name} changes no data"))
    }
}

fn s3_record(record: &Value, into: &mut Notification) -> Result<(), String> {
    let text = |pointer: &str| record.pointer(pointer).and_then(Value::as_str);
    let event_name = text("/eventName").ok_or("no eventName")?;
    let bucket = text("/s3/bucket/name").ok_or("no s3.bucket.name")?;
    let raw_key = text("/s3/object/key").ok_or("no s3.object.key")?;
    if bucket.is_empty() || raw_key.is_empty() {
        return Err("an empty bucket name or key".into());
    }
    let key = decode_key(raw_key)?;
    let store = format!("s3://{bucket}");
    match change_of(event_name) {
        Ok(change) => into.events.push(ObjectEvent {
            store,
            key,
            change,
            time: text("/eventTime").and_then(parse_time),
            sequencer: text("/s3/object/sequencer").map(str::to_string),
        }),
        Err(reason) => into.ignored.push(IgnoredRecord {
            what: format!("{store}/{key}"),
            reason,
        }),
    }
    Ok(())
}

/// S3 event keys are URL-encoded as in an HTML form: `+` is a space, `%2B` a plus.
fn decode_key(raw: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(&raw.replace('+', " "))
        .decode_utf8()
        .map(|key| key.into_owned())
        .map_err(|_| format!("key {raw:?} is not UTF-8 once decoded"))
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.with_timezone(&Utc))
}

/// lakecat's generic body: `{"changes": [{"url": "s3://bucket/key", "kind": "created"}]}`,
/// `kind` `created` (the default) or `removed`; URLs as written, not encoded.
fn generic_changes(changes: &Value) -> Result<Notification> {
    let changes = changes
        .as_array()
        .ok_or_else(|| unusable("changes is not an array".into()))?;
    let mut events = Vec::with_capacity(changes.len());
    for (index, change) in changes.iter().enumerate() {
        let invalid = |reason: &str| unusable(format!("change {index}: {reason}"));
        let url = change
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("no url"))?;
        let change_kind = match change.get("kind").and_then(Value::as_str) {
            None | Some("created") => ObjectChange::Created,
            Some("removed") => ObjectChange::Removed,
            Some(other) => {
                return Err(invalid(&format!(
                    "kind {other:?} (expected created or removed)"
                )));
            }
        };
        let (store, key) = split_url(url).map_err(|reason| invalid(&reason))?;
        events.push(ObjectEvent {
            store,
            key,
            change: change_kind,
            time: None,
            sequencer: None,
        });
    }
    Ok(Notification {
        events,
        ignored: Vec::new(),
    })
}

/// `s3://bucket/a/b.csv` into `s3://bucket` and `a/b.csv`; `file:///data/b.csv` into
/// `file://` and `data/b.csv`.
fn split_url(url: &str) -> Result<(String, String), String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("{url:?} is not a URL (s3://bucket/key)"))?;
    let (authority, key) = rest
        .split_once('/')
        .ok_or_else(|| format!("{url:?} names no object"))?;
    if scheme.is_empty() || key.is_empty() || key.ends_with('/') {
        return Err(format!("{url:?} names no object"));
    }
    Ok((format!("{scheme}://{authority}"), key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(store: &str, key: &str, change: ObjectChange, sequencer: Option<&str>) -> ObjectEvent {
        ObjectEvent {
            store: store.into(),
            key: key.into(),
            change,
            time: None,
            sequencer: sequencer.map(str::to_string),
        }
    }

    /// Events without their times (checked apart).
    fn events_of(body: &str) -> Vec<ObjectEvent> {
        parse(body)
            .unwrap_or_else(|e| panic!("{e}: {body}"))
            .events
            .into_iter()
            .map(|e| ObjectEvent { time: None, ..e })
            .collect()
    }

    #[test]
    fn every_known_shape_becomes_object_events() {
        use ObjectChange::{Created, Removed};
        let cases: &[(&str, &str, Vec<ObjectEvent>)] = &[
            (
                "AWS S3 put (documentation sample, with sequencer)",
                include_str!("samples/aws_put.json"),
                vec![event(
                    "s3://amzn-s3-demo-bucket",
                    "sales/year=2024/HappyFace.jpg",
                    Created,
                    Some("0055AED6DCD90281E5"),
                )],
            ),
            (
                "AWS S3 delete",
                include_str!("samples/aws_delete.json"),
                vec![event(
                    "s3://lake",
                    "sales/year=2024/month=01/part-0.parquet",
                    Removed,
                    Some("0065A1B2C3D4E5F601"),
                )],
            ),
            (
                "moto's record (key form-encoded, no sequencer)",
                include_str!("samples/moto_put.json"),
                vec![event(
                    "s3://lake-bucket",
                    "warehouse/sales/year=2024/month=05/part 0+1.parquet",
                    Created,
                    None,
                )],
            ),
            (
                "MinIO webhook (s3: prefixed names, top-level EventName and Key)",
                include_str!("samples/minio_put.json"),
                vec![event(
                    "s3://lake",
                    "sales/region=eu/2024-06-01.csv",
                    Created,
                    Some("17E1F8A5B3C2D001"),
                )],
            ),
            (
                "SNS envelope around two records",
                include_str!("samples/sns_wrapped.json"),
                vec![
                    event(
                        "s3://lake",
                        "logs/dt=2024-06-01/a.json",
                        Created,
                        Some("01"),
                    ),
                    event(
                        "s3://lake",
                        "logs/dt=2024-06-01/b.json",
                        Removed,
                        Some("02"),
                    ),
                ],
            ),
            (
                "generic body",
                r#"{"changes": [{"url": "s3://lake/sales/p=1/x.csv"},
                    {"url": "file:///data/lake/t/y.csv", "kind": "removed"}]}"#,
                vec![
                    event("s3://lake", "sales/p=1/x.csv", Created, None),
                    event("file://", "data/lake/t/y.csv", Removed, None),
                ],
            ),
            (
                "S3 test event",
                r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-06-01T00:00:00.000Z","Bucket":"lake","RequestId":"X","HostId":"Y"}"#,
                vec![],
            ),
        ];
        for (name, body, expected) in cases {
            assert_eq!(&events_of(body), expected, "{name}");
        }
    }

    #[test]
    fn records_that_change_no_data_are_ignored_with_why() {
        let body = r#"{"Records": [
            {"eventName": "ObjectTagging:Put", "s3": {"bucket": {"name": "lake"}, "object": {"key": "a/b.csv"}}},
            {"eventName": "s3:ObjectCreated:CompleteMultipartUpload", "s3": {"bucket": {"name": "lake"}, "object": {"key": "a/c.csv"}}},
            {"eventName": "LifecycleExpiration:Delete", "s3": {"bucket": {"name": "lake"}, "object": {"key": "a/d.csv"}}},
            {"eventName": "ObjectRestore:Completed", "s3": {"bucket": {"name": "lake"}, "object": {"key": "a/e.csv"}}}
        ]}"#;
        let notification = parse(body).unwrap();
        let changes: Vec<(&str, ObjectChange)> = notification
            .events
            .iter()
            .map(|e| (e.key.as_str(), e.change))
            .collect();
        assert_eq!(
            changes,
            [
                ("a/c.csv", ObjectChange::Created),
                ("a/d.csv", ObjectChange::Removed)
            ]
        );
        let ignored: Vec<&str> = notification
            .ignored
            .iter()
            .map(|i| i.what.as_str())
            .collect();
        assert_eq!(ignored, ["s3://lake/a/b.csv", "s3://lake/a/e.csv"]);
        assert!(
            notification.ignored[0].reason.contains("ObjectTagging:Put"),
            "{:?}",
            notification.ignored
        );
    }

    #[test]
    fn keys_are_decoded_once() {
        let record = |key: &str| {
            format!(
                r#"{{"Records": [{{"eventName": "ObjectCreated:Put",
                "s3": {{"bucket": {{"name": "b"}}, "object": {{"key": "{key}"}}}}}}]}}"#
            )
        };
        for (raw, decoded) in [
            ("a+b.csv", "a b.csv"),
            ("a%2Bb.csv", "a+b.csv"),
            ("year%3D2024/x.csv", "year=2024/x.csv"),
            ("caf%C3%A9/x.csv", "café/x.csv"),
            ("100%25/x.csv", "100%/x.csv"),
        ] {
            assert_eq!(events_of(&record(raw))[0].key, decoded, "{raw}");
        }
    }

    #[test]
    fn times_are_read_from_records() {
        let events = parse(include_str!("samples/minio_put.json"))
            .unwrap()
            .events;
        assert_eq!(
            events[0].time.map(|t| t.to_rfc3339()),
            Some("2024-06-01T10:20:30.123+00:00".into())
        );
    }

    #[test]
    fn unusable_bodies_say_why() {
        for (body, expected) in [
            ("not json", "not JSON"),
            ("[1, 2]", "not a JSON object"),
            (r#"{"hello": "world"}"#, "expected S3 event records"),
            (r#"{"Records": {}}"#, "Records is not an array"),
            (
                r#"{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}}}]}"#,
                "record 0: no s3.object.key",
            ),
            (
                r#"{"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": "k"}}}]}"#,
                "record 0: no eventName",
            ),
            (
                r#"{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {"key": "%FF"}}}]}"#,
                "not UTF-8",
            ),
            (
                r#"{"Type": "Notification", "Message": "{\"Type\": \"Notification\", \"Message\": \"{}\"}"}"#,
                "expected S3 event records",
            ),
            (r#"{"Type": "Notification"}"#, "without a Message"),
            (r#"{"changes": [{"kind": "created"}]}"#, "change 0: no url"),
            (
                r#"{"changes": [{"url": "s3://b/k", "kind": "renamed"}]}"#,
                "kind \"renamed\"",
            ),
            (r#"{"changes": [{"url": "s3://b/"}]}"#, "names no object"),
            (r#"{"changes": [{"url": "b/k"}]}"#, "is not a URL"),
        ] {
            let error = parse(body).unwrap_err();
            assert!(matches!(error, CrawlError::InvalidEvent { .. }), "{body}");
            assert!(error.to_string().contains(expected), "{body}: {error}");
        }
    }
}
