//! XML: records are the elements with the row tag (given by a custom classifier, or else the
//! element name that repeats under the root). Attributes and child elements are columns;
//! nested elements are structs, repeated ones arrays; leaf text is typed as a CSV cell is.

use async_trait::async_trait;
use quick_xml::events::{BytesStart, Event};

use super::csv::text_value_type;
use crate::classifier::{Classification, Classifier, FormatProperties};
use crate::error::ClassifyError;
use crate::merge::{merge_schemas, widen};
use crate::ordered::Ordered;
use crate::schema::{Field, HiveType, Schema};
use crate::source::ObjectSource;

const SAMPLE_BYTES: u64 = 1024 * 1024;
const MAX_RECORDS: usize = 1000;
/// Elements nested deeper than this inside a row are typed `string`.
const MAX_DEPTH: usize = 32;

/// Recognizes XML with repeating row elements.
#[derive(Debug, Clone, Default)]
pub struct XmlClassifier {
    row_tag: Option<String>,
}

impl XmlClassifier {
    /// A classifier whose records are the elements named `row_tag`.
    pub fn with_row_tag(row_tag: impl Into<String>) -> XmlClassifier {
        XmlClassifier {
            row_tag: Some(row_tag.into()),
        }
    }
}

fn name_of(element: &BytesStart<'_>) -> String {
    element.name().as_ref().to_string()
}

/// An element being read: its fields so far (name, type, how often seen) and its text.
#[derive(Default)]
struct Frame {
    name: String,
    /// Each field's type (unknown while only empty) and how often it was seen.
    fields: Ordered<(Option<HiveType>, usize)>,
    text: String,
}

impl Frame {
    fn open(element: &BytesStart<'_>) -> Frame {
        let mut frame = Frame {
            name: name_of(element),
            ..Frame::default()
        };
        for attribute in element.attributes().flatten() {
            let key = attribute.key.as_ref().to_string();
            let value = attribute.value.to_string();
            frame.add(key, text_value_type(&value));
        }
        frame
    }

    fn add(&mut self, name: String, data_type: Option<HiveType>) {
        self.fields.add(
            name.clone(),
            name,
            (data_type, 1),
            |(existing, seen), (data_type, _)| {
                *seen += 1;
                *existing = match (existing.take(), data_type) {
                    (Some(a), Some(b)) => Some(widen(&a, &b)),
                    (a, b) => a.or(b),
                };
            },
        );
    }

    /// The element's type: a struct of its fields (repeated ones as arrays), or its text's.
    fn close(self) -> Option<HiveType> {
        if self.fields.is_empty() {
            return text_value_type(&self.text);
        }
        Some(HiveType::Struct(
            self.fields
                .into_entries()
                .into_iter()
                .map(|(name, (t, seen))| {
                    let t = t.unwrap_or(HiveType::String);
                    Field::new(
                        name,
                        if seen > 1 {
                            HiveType::Array(Box::new(t))
                        } else {
                            t
                        },
                    )
                })
                .collect(),
        ))
    }
}

/// The name that repeats most among the root's children, if any repeats.
fn detect_row_tag(text: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(text);
    let mut depth = 0usize;
    let mut counts: Ordered<usize> = Ordered::default();
    let mut buffer = Vec::new();
    loop {
        let (start, name) = match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(e)) => (true, name_of(&e)),
            Ok(Event::Empty(e)) => (false, name_of(&e)),
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                buffer.clear();
                continue;
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {
                buffer.clear();
                continue;
            }
        };
        if depth == 1 {
            counts.add(name.clone(), name, 1, |count, _| *count += 1);
        }
        if start {
            depth += 1;
        }
        buffer.clear();
    }
    counts
        .into_entries()
        .into_iter()
        .filter(|(_, count)| *count >= 2)
        .max_by_key(|(_, count)| *count)
        .map(|(name, _)| name)
}

/// Record types of the rows named `row_tag`, and a parse error met before the sample's end.
fn records(text: &[u8], row_tag: &str, complete: bool) -> (Vec<Schema>, Option<String>) {
    let mut reader = quick_xml::Reader::from_reader(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut rows = Vec::new();
    let mut buffer = Vec::new();
    let finish = |frame: Frame, stack: &mut Vec<Frame>, rows: &mut Vec<Schema>| {
        let name = frame.name.clone();
        let data_type = if stack.len() >= MAX_DEPTH {
            Some(HiveType::String)
        } else {
            frame.close()
        };
        match stack.last_mut() {
            Some(parent) => parent.add(name, data_type),
            None => {
                if let Some(HiveType::Struct(fields)) = data_type {
                    rows.push(Schema::new(fields));
                }
            }
        }
    };
    while rows.len() < MAX_RECORDS {
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(e)) => {
                if !stack.is_empty() || name_of(&e) == row_tag {
                    stack.push(Frame::open(&e));
                }
            }
            Ok(Event::Empty(e)) => {
                if !stack.is_empty() || name_of(&e) == row_tag {
                    let frame = Frame::open(&e);
                    finish(frame, &mut stack, &mut rows);
                }
            }
            Ok(Event::Text(t)) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t);
                }
            }
            Ok(Event::End(_)) => {
                if let Some(frame) = stack.pop() {
                    finish(frame, &mut stack, &mut rows);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(error) => {
                let cut = !complete && reader.buffer_position() as usize + 64 >= text.len();
                return (rows, (!cut).then(|| error.to_string()));
            }
        }
        buffer.clear();
    }
    (rows, None)
}

#[async_trait]
impl Classifier for XmlClassifier {
    fn name(&self) -> &str {
        "xml"
    }

    async fn classify(
        &self,
        object: &dyn ObjectSource,
    ) -> Result<Option<Classification>, ClassifyError> {
        let size = object.info().size;
        let read = size.min(SAMPLE_BYTES);
        let sample = object.read_range(0..read).await?;
        let text = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&sample);
        if text.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'<') {
            return Ok(None);
        }
        let Some(row_tag) = self.row_tag.clone().or_else(|| detect_row_tag(text)) else {
            return Ok(None);
        };
        let (rows, error) = records(text, &row_tag, read == size);
        if rows.is_empty() {
            return Ok(None);
        }
        let mut warnings = Vec::new();
        let mut certainty = 1.0;
        if let Some(error) = error {
            warnings.push(format!("the XML breaks after {} rows: {error}", rows.len()));
            certainty = 0.8;
        }
        let schema = merge_schemas(&rows);
        let mut properties = FormatProperties::text("com.ibm.spss.hive.serde2.xml.XmlSerDe");
        properties.input_format = Some("com.ibm.spss.hive.serde2.xml.XmlInputFormat".into());
        properties
            .serde_parameters
            .insert("xmlinput.start".into(), format!("<{row_tag}"));
        properties
            .serde_parameters
            .insert("xmlinput.end".into(), format!("</{row_tag}>"));
        if read == size && rows.len() < MAX_RECORDS {
            properties.record_count = Some(rows.len() as u64);
        }
        Ok(Some(Classification {
            classification: "xml".into(),
            certainty,
            schema,
            properties,
            warnings,
            statistics: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::InMemoryObject;

    async fn columns(classifier: XmlClassifier, text: &str) -> Option<Vec<String>> {
        let found = classifier
            .classify(&InMemoryObject::new("x.xml", text.as_bytes().to_vec()))
            .await
            .unwrap()?;
        Some(
            found
                .schema
                .fields
                .iter()
                .map(|f| format!("{}:{}", f.name, f.data_type))
                .collect(),
        )
    }

    const ORDERS: &str = r#"<?xml version="1.0"?>
<orders source="shop">
  <order id="1"><customer>ada</customer><total>19.99</total><day>2024-06-01</day>
    <item sku="A-1" qty="2"/><item sku="B-2" qty="1"/></order>
  <order id="2"><customer>grace</customer><total>5</total><day>2024-06-02</day>
    <address><city>Paris</city><zip>75001</zip></address></order>
</orders>"#;

    #[tokio::test]
    async fn repeating_rows_are_detected() {
        let columns = columns(XmlClassifier::default(), ORDERS).await.unwrap();
        assert_eq!(
            columns,
            [
                "id:bigint",
                "customer:string",
                "total:double",
                "day:date",
                "item:array<struct<sku:string,qty:bigint>>",
                "address:struct<city:string,zip:bigint>"
            ]
        );
    }

    #[tokio::test]
    async fn a_row_tag_picks_the_records() {
        let items = columns(XmlClassifier::with_row_tag("item"), ORDERS)
            .await
            .unwrap();
        assert_eq!(items, ["sku:string", "qty:bigint"]);
        assert!(
            columns(XmlClassifier::with_row_tag("missing"), ORDERS)
                .await
                .is_none()
        );
    }

    #[tokio::test]
    async fn not_xml_or_no_rows() {
        assert!(
            columns(XmlClassifier::default(), "id,name\n1,x\n")
                .await
                .is_none()
        );
        assert!(
            columns(XmlClassifier::default(), "<single><a>1</a></single>")
                .await
                .is_none()
        );
        let broken = "<rows><row><a>1</a></row><row><a>2</a></row><row><a>3</b></row></rows>";
        let found = XmlClassifier::default()
            .classify(&InMemoryObject::new("x.xml", broken.as_bytes().to_vec()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.certainty, 0.8);
        assert!(
            found.warnings[0].starts_with("the XML breaks after 2 rows"),
            "{:?}",
            found.warnings
        );
    }
}
