//! Table metadata as an Iceberg REST catalog writes it: the first metadata of a new table,
//! and a commit's requirements checked and updates applied to the current metadata (the
//! specification's `TableRequirement` and `TableUpdate`, `open-api/rest-catalog-open-api.yaml`
//! in apache/iceberg, with the table spec's rules). Pure: JSON in, JSON out; the caller
//! supplies identifiers and times, writes the file and swaps the catalog's pointer.
//!
//! Fields this module does not reason about are carried over untouched, so metadata written
//! by newer writers survives a commit.

use serde_json::{Map, Value, json};

/// Why a commit cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitError {
    /// A requirement no longer holds: the table changed since the client read it (the
    /// specification's 409 `CommitFailedException`).
    Conflict(String),
    /// The request is malformed or asks for something this catalog does not do (400).
    Invalid(String),
}

impl std::fmt::Display for CommitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommitError::Conflict(message) | CommitError::Invalid(message) => f.write_str(message),
        }
    }
}

fn invalid(message: impl Into<String>) -> CommitError {
    CommitError::Invalid(message.into())
}

/// Partition field ids start here (the table spec: "1000 for the first field").
const FIRST_PARTITION_FIELD_ID: i64 = 1000;

/// What a new table is made of (the specification's `CreateTableRequest`).
#[derive(Debug, Clone)]
pub struct NewTable<'a> {
    /// The table's location, without a trailing `/`.
    pub location: &'a str,
    /// The schema (`type: struct`, fields with ids).
    pub schema: &'a Value,
    /// The partition spec, if any.
    pub partition_spec: Option<&'a Value>,
    /// The sort order, if any.
    pub write_order: Option<&'a Value>,
    /// Table properties.
    pub properties: &'a Map<String, Value>,
    /// A fresh `table-uuid`.
    pub table_uuid: &'a str,
    /// Now, in milliseconds.
    pub now_ms: i64,
}

/// The first metadata (format version 2) of a new table.
pub fn new_table_metadata(table: &NewTable<'_>) -> Result<Value, CommitError> {
    let mut schema = table.schema.clone();
    if schema.get("type").and_then(Value::as_str) != Some("struct") {
        return Err(invalid("schema: the type must be struct"));
    }
    schema["schema-id"] = json!(0);
    let last_column_id = highest_field_id(&schema);
    let mut spec = match table.partition_spec {
        Some(spec) => spec.clone(),
        None => json!({"fields": []}),
    };
    spec["spec-id"] = json!(0);
    let last_partition_id = assign_partition_field_ids(&mut spec, FIRST_PARTITION_FIELD_ID - 1)?;
    let mut order = match table.write_order {
        Some(order) => order.clone(),
        None => json!({"order-id": 0, "fields": []}),
    };
    let order_id = order.get("order-id").and_then(Value::as_i64).unwrap_or(0);
    order["order-id"] = json!(order_id);
    Ok(json!({
        "format-version": 2,
        "table-uuid": table.table_uuid,
        "location": table.location,
        "last-sequence-number": 0,
        "last-updated-ms": table.now_ms,
        "last-column-id": last_column_id,
        "current-schema-id": 0,
        "schemas": [schema],
        "default-spec-id": 0,
        "partition-specs": [spec],
        "last-partition-id": last_partition_id,
        "default-sort-order-id": order_id,
        "sort-orders": [order],
        "properties": table.properties,
        "current-snapshot-id": -1,
        "refs": {},
        "snapshots": [],
        "snapshot-log": [],
        "metadata-log": [],
    }))
}

/// What a commit that creates a table is made of: the last step of a staged create
/// (`stage-create`, then a commit with `assert-create` whose updates build the table from
/// nothing, as Java's and PyIceberg's create transactions send them).
#[derive(Debug, Clone)]
pub struct CreatingCommit<'a> {
    /// The commit's requirements: only `assert-create` can hold for a table that does not
    /// exist.
    pub requirements: &'a [Value],
    /// The commit's updates, applied in order to an empty table.
    pub updates: &'a [Value],
    /// The location when the updates set none, without a trailing `/`.
    pub default_location: &'a str,
    /// A fresh `table-uuid`, for updates that assign none.
    pub table_uuid: &'a str,
    /// Now, in milliseconds.
    pub now_ms: i64,
}

/// The first metadata of a table created by a commit. Whatever the updates leave unset
/// takes what [`new_table_metadata`] gives a new table: format version 2, an unpartitioned
/// spec, the unsorted order; a schema they must give.
pub fn created_metadata(commit: &CreatingCommit<'_>) -> Result<Value, CommitError> {
    if let Some(other) = commit
        .requirements
        .iter()
        .filter_map(|r| r.get("type").and_then(Value::as_str))
        .find(|kind| *kind != "assert-create")
    {
        return Err(CommitError::Conflict(format!(
            "Requirement failed: {other}: the table does not exist"
        )));
    }
    // Format version 1 until an update says otherwise, so that any version may be asked.
    let mut metadata = json!({
        "format-version": 1,
        "location": commit.default_location,
        "last-sequence-number": 0,
        "last-column-id": 0,
        "current-schema-id": -1,
        "schemas": [],
        "partition-specs": [],
        "sort-orders": [],
        "properties": {},
        "current-snapshot-id": -1,
        "refs": {},
        "snapshots": [],
        "snapshot-log": [],
        "metadata-log": [],
    });
    let mut added = Added::default();
    for update in commit.updates {
        apply_update(&mut metadata, update, &mut added, commit.now_ms)?;
    }
    let versioned = commit
        .updates
        .iter()
        .any(|u| u.get("action").and_then(Value::as_str) == Some("upgrade-format-version"));
    if !versioned {
        metadata["format-version"] = json!(2);
    }
    if metadata.get("table-uuid").is_none() {
        metadata["table-uuid"] = json!(commit.table_uuid);
    }
    if int(&metadata, "current-schema-id").is_none_or(|id| id < 0) {
        return Err(invalid(
            "a commit that creates a table needs add-schema and set-current-schema",
        ));
    }
    if list(&mut metadata, "partition-specs")?.is_empty() {
        list(&mut metadata, "partition-specs")?.push(json!({"spec-id": 0, "fields": []}));
        metadata["default-spec-id"] = json!(0);
    }
    if list(&mut metadata, "sort-orders")?.is_empty() {
        list(&mut metadata, "sort-orders")?.push(json!({"order-id": 0, "fields": []}));
        metadata["default-sort-order-id"] = json!(0);
    }
    for (default_key, list_key, id_key) in [
        ("default-spec-id", "partition-specs", "spec-id"),
        ("default-sort-order-id", "sort-orders", "order-id"),
    ] {
        if int(&metadata, default_key).is_none() {
            let first = list(&mut metadata, list_key)?[0].get(id_key).cloned();
            metadata[default_key] = first.unwrap_or_else(|| json!(0));
        }
    }
    if int(&metadata, "last-partition-id").is_none() {
        metadata["last-partition-id"] = json!(FIRST_PARTITION_FIELD_ID - 1);
    }
    metadata["last-updated-ms"] = json!(commit.now_ms);
    Ok(metadata)
}

/// The keys that hold field ids in a schema: struct fields, list elements, map keys and
/// values.
const FIELD_ID_KEYS: [&str; 4] = ["id", "element-id", "key-id", "value-id"];

/// The highest field id in a schema, nested fields included.
fn highest_field_id(value: &Value) -> i64 {
    let own = FIELD_ID_KEYS
        .iter()
        .filter_map(|key| value.get(*key).and_then(Value::as_i64))
        .max()
        .unwrap_or(0);
    let nested = match value {
        Value::Object(map) => map
            .iter()
            .filter(|(key, _)| !FIELD_ID_KEYS.contains(&key.as_str()))
            .map(|(_, v)| highest_field_id(v))
            .max()
            .unwrap_or(0),
        Value::Array(items) => items.iter().map(highest_field_id).max().unwrap_or(0),
        _ => 0,
    };
    own.max(nested)
}

/// Gives partition fields without a `field-id` the next ids after `last`; the highest id.
fn assign_partition_field_ids(spec: &mut Value, last: i64) -> Result<i64, CommitError> {
    let mut last = last;
    let Some(fields) = spec.get_mut("fields").and_then(Value::as_array_mut) else {
        return Err(invalid("partition-spec: fields must be a list"));
    };
    for field in fields.iter() {
        if let Some(id) = field.get("field-id").and_then(Value::as_i64) {
            last = last.max(id);
        }
    }
    for field in fields.iter_mut() {
        if field.get("field-id").and_then(Value::as_i64).is_none() {
            last += 1;
            field["field-id"] = json!(last);
        }
    }
    Ok(last)
}

/// A number for a message, or `absent` when there is none.
fn shown(value: Option<i64>, absent: &str) -> String {
    value.map_or_else(|| absent.to_string(), |v| v.to_string())
}

fn int(metadata: &Value, key: &str) -> Option<i64> {
    metadata.get(key).and_then(Value::as_i64)
}

/// The snapshot a ref points at, `main` falling back to `current-snapshot-id` for metadata
/// written without `refs`.
fn ref_snapshot(metadata: &Value, name: &str) -> Option<i64> {
    if let Some(id) = metadata
        .get("refs")
        .and_then(|refs| refs.get(name))
        .and_then(|r| r.get("snapshot-id"))
        .and_then(Value::as_i64)
    {
        return Some(id);
    }
    if name == "main" {
        return int(metadata, "current-snapshot-id").filter(|id| *id >= 0);
    }
    None
}

/// Checks one requirement against the current metadata.
pub fn check_requirement(metadata: &Value, requirement: &Value) -> Result<(), CommitError> {
    let kind = requirement
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("a requirement has no type"))?;
    let expect = |key: &str, field: &str| -> Result<(), CommitError> {
        let wanted = requirement.get(key).and_then(Value::as_i64);
        let current = int(metadata, field);
        if wanted == current {
            Ok(())
        } else {
            Err(CommitError::Conflict(format!(
                "Requirement failed: {kind}: the table's {field} is {}, not {}",
                shown(current, "unset"),
                shown(wanted, "unset")
            )))
        }
    };
    match kind {
        "assert-create" => Err(CommitError::Conflict(
            "Requirement failed: assert-create: the table already exists".into(),
        )),
        "assert-table-uuid" => {
            let wanted = requirement.get("uuid").and_then(Value::as_str);
            let current = metadata.get("table-uuid").and_then(Value::as_str);
            match (wanted, current) {
                (Some(w), Some(c)) if w.eq_ignore_ascii_case(c) => Ok(()),
                _ => Err(CommitError::Conflict(format!(
                    "Requirement failed: assert-table-uuid: the table's uuid is {}, not {}",
                    current.unwrap_or("unset"),
                    wanted.unwrap_or("unset")
                ))),
            }
        }
        "assert-ref-snapshot-id" => {
            let name = requirement
                .get("ref")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("assert-ref-snapshot-id needs a ref"))?;
            let wanted = requirement.get("snapshot-id").and_then(Value::as_i64);
            let current = ref_snapshot(metadata, name);
            if wanted == current {
                Ok(())
            } else {
                Err(CommitError::Conflict(format!(
                    "Requirement failed: branch or tag {name} is at snapshot {}, not {}",
                    shown(current, "none"),
                    shown(wanted, "none")
                )))
            }
        }
        "assert-last-assigned-field-id" => expect("last-assigned-field-id", "last-column-id"),
        "assert-current-schema-id" => expect("current-schema-id", "current-schema-id"),
        "assert-last-assigned-partition-id" => {
            expect("last-assigned-partition-id", "last-partition-id")
        }
        "assert-default-spec-id" => expect("default-spec-id", "default-spec-id"),
        "assert-default-sort-order-id" => expect("default-sort-order-id", "default-sort-order-id"),
        other => Err(invalid(format!("unknown requirement type {other:?}"))),
    }
}

/// Ids added in this commit, for the `-1` ("the last added") of the `set-*` updates.
#[derive(Debug, Default)]
struct Added {
    schema: Option<i64>,
    spec: Option<i64>,
    order: Option<i64>,
}

/// Applies a commit's updates, in order, to the current metadata; the result is the next
/// metadata file's content. `now_ms` stamps the change; `previous_location` is the current
/// file, which joins `metadata-log`.
pub fn apply_updates(
    current: &Value,
    updates: &[Value],
    previous_location: &str,
    now_ms: i64,
) -> Result<Value, CommitError> {
    let mut metadata = current.clone();
    if !metadata.is_object() {
        return Err(invalid("the table's metadata is not a JSON object"));
    }
    let mut added = Added::default();
    for update in updates {
        apply_update(&mut metadata, update, &mut added, now_ms)?;
    }
    metadata["last-updated-ms"] = json!(now_ms);
    let log = metadata
        .as_object_mut()
        .map(|m| m.entry("metadata-log").or_insert_with(|| json!([])))
        .and_then(Value::as_array_mut)
        .ok_or_else(|| invalid("metadata-log is not a list"))?;
    log.push(json!({"timestamp-ms": now_ms, "metadata-file": previous_location}));
    let keep = current
        .get("properties")
        .and_then(|p| p.get("write.metadata.previous-versions-max"))
        .and_then(|v| v.as_str().and_then(|s| s.parse().ok()).or(v.as_u64()))
        .unwrap_or(100) as usize;
    if log.len() > keep {
        let excess = log.len() - keep;
        log.drain(..excess);
    }
    Ok(metadata)
}

/// The list `key` of the metadata, created when absent.
fn list<'a>(metadata: &'a mut Value, key: &str) -> Result<&'a mut Vec<Value>, CommitError> {
    metadata
        .as_object_mut()
        .map(|m| m.entry(key).or_insert_with(|| json!([])))
        .and_then(Value::as_array_mut)
        .ok_or_else(|| invalid(format!("{key} is not a list")))
}

/// The object `key` of the metadata, created when absent.
fn object<'a>(
    metadata: &'a mut Value,
    key: &str,
) -> Result<&'a mut Map<String, Value>, CommitError> {
    metadata
        .as_object_mut()
        .map(|m| m.entry(key).or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| invalid(format!("{key} is not an object")))
}

/// The id for an added schema, spec or order: the one given unless it is -1 or taken.
fn next_id(existing: &[Value], id_key: &str, asked: Option<i64>) -> i64 {
    let taken: Vec<i64> = existing
        .iter()
        .filter_map(|v| v.get(id_key).and_then(Value::as_i64))
        .collect();
    match asked {
        Some(id) if id >= 0 && !taken.contains(&id) => id,
        _ => taken.iter().max().map_or(0, |m| m + 1),
    }
}

/// An id named by a `set-*` update: -1 means the one added in this commit.
fn named_id(update: &Value, key: &str, added: Option<i64>, what: &str) -> Result<i64, CommitError> {
    match update.get(key).and_then(Value::as_i64) {
        Some(-1) => {
            added.ok_or_else(|| invalid(format!("{what} -1 names none added in this commit")))
        }
        Some(id) => Ok(id),
        None => Err(invalid(format!("{what} is missing"))),
    }
}

fn apply_update(
    metadata: &mut Value,
    update: &Value,
    added: &mut Added,
    now_ms: i64,
) -> Result<(), CommitError> {
    let action = update
        .get("action")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("an update has no action"))?;
    let field = |key: &str| {
        update
            .get(key)
            .ok_or_else(|| invalid(format!("{action} needs {key}")))
    };
    match action {
        "assign-uuid" => {
            let uuid = field("uuid")?.clone();
            if metadata.get("table-uuid").is_some_and(|u| *u != uuid) {
                return Err(invalid(
                    "assign-uuid cannot change an existing table's uuid",
                ));
            }
            metadata["table-uuid"] = uuid;
        }
        "upgrade-format-version" => {
            let version = field("format-version")?
                .as_i64()
                .ok_or_else(|| invalid("format-version must be a number"))?;
            let current = int(metadata, "format-version").unwrap_or(1);
            if version < current || version > 3 {
                return Err(invalid(format!(
                    "format version {current} cannot become {version} (no downgrades; at most 3)"
                )));
            }
            metadata["format-version"] = json!(version);
        }
        "add-schema" => {
            let mut schema = field("schema")?.clone();
            let schemas = list(metadata, "schemas")?;
            let asked = schema.get("schema-id").and_then(Value::as_i64);
            let id = next_id(schemas, "schema-id", asked);
            schema["schema-id"] = json!(id);
            let highest = highest_field_id(&schema);
            schemas.push(schema);
            let last = int(metadata, "last-column-id").unwrap_or(0);
            metadata["last-column-id"] = json!(last.max(highest));
            added.schema = Some(id);
        }
        "set-current-schema" => {
            let id = named_id(update, "schema-id", added.schema, "schema-id")?;
            let known = list(metadata, "schemas")?
                .iter()
                .any(|s| s.get("schema-id").and_then(Value::as_i64) == Some(id));
            if !known {
                return Err(invalid(format!("set-current-schema: no schema {id}")));
            }
            metadata["current-schema-id"] = json!(id);
        }
        "add-spec" => {
            let mut spec = field("spec")?.clone();
            let last = int(metadata, "last-partition-id").unwrap_or(FIRST_PARTITION_FIELD_ID - 1);
            let highest = assign_partition_field_ids(&mut spec, last)?;
            let specs = list(metadata, "partition-specs")?;
            let asked = spec.get("spec-id").and_then(Value::as_i64);
            let id = next_id(specs, "spec-id", asked);
            spec["spec-id"] = json!(id);
            specs.push(spec);
            metadata["last-partition-id"] = json!(last.max(highest));
            added.spec = Some(id);
        }
        "set-default-spec" => {
            let id = named_id(update, "spec-id", added.spec, "spec-id")?;
            metadata["default-spec-id"] = json!(id);
        }
        "add-sort-order" => {
            let mut order = field("sort-order")?.clone();
            let orders = list(metadata, "sort-orders")?;
            let asked = order.get("order-id").and_then(Value::as_i64);
            // Order 0 is the unsorted order, which an order without fields is (and joins
            // only once); an added order with fields never takes it.
            let unsorted = order
                .get("fields")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty);
            let id = if unsorted {
                0
            } else {
                next_id(orders, "order-id", asked.filter(|id| *id > 0)).max(1)
            };
            order["order-id"] = json!(id);
            if !orders.iter().any(|o| int(o, "order-id") == Some(id)) {
                orders.push(order);
            }
            added.order = Some(id);
        }
        "set-default-sort-order" => {
            let id = named_id(update, "sort-order-id", added.order, "sort-order-id")?;
            metadata["default-sort-order-id"] = json!(id);
        }
        "add-snapshot" => {
            let snapshot = field("snapshot")?.clone();
            let id = snapshot
                .get("snapshot-id")
                .and_then(Value::as_i64)
                .ok_or_else(|| invalid("add-snapshot: the snapshot has no snapshot-id"))?;
            let version = int(metadata, "format-version").unwrap_or(1);
            let sequence = snapshot.get("sequence-number").and_then(Value::as_i64);
            let last_sequence = int(metadata, "last-sequence-number").unwrap_or(0);
            let snapshots = list(metadata, "snapshots")?;
            if snapshots
                .iter()
                .any(|s| s.get("snapshot-id").and_then(Value::as_i64) == Some(id))
            {
                return Err(invalid(format!(
                    "add-snapshot: snapshot {id} exists already"
                )));
            }
            if version >= 2 {
                match sequence {
                    Some(sequence) if sequence > last_sequence => {}
                    _ => {
                        return Err(CommitError::Conflict(format!(
                            "add-snapshot: the snapshot's sequence number {} is not above the \
                             table's {last_sequence}: the table changed; refresh and retry",
                            shown(sequence, "unset")
                        )));
                    }
                }
            }
            snapshots.push(snapshot);
            if let Some(sequence) = sequence {
                metadata["last-sequence-number"] = json!(last_sequence.max(sequence));
            }
        }
        "set-snapshot-ref" => {
            let name = field("ref-name")?
                .as_str()
                .ok_or_else(|| invalid("ref-name must be a string"))?
                .to_string();
            let id = field("snapshot-id")?
                .as_i64()
                .ok_or_else(|| invalid("snapshot-id must be a number"))?;
            let known = list(metadata, "snapshots")?
                .iter()
                .any(|s| s.get("snapshot-id").and_then(Value::as_i64) == Some(id));
            if !known {
                return Err(invalid(format!("set-snapshot-ref: no snapshot {id}")));
            }
            let mut reference = json!({
                "snapshot-id": id,
                "type": update.get("type").cloned().unwrap_or_else(|| json!("branch")),
            });
            for key in [
                "min-snapshots-to-keep",
                "max-snapshot-age-ms",
                "max-ref-age-ms",
            ] {
                if let Some(value) = update.get(key).filter(|v| !v.is_null()) {
                    reference[key] = value.clone();
                }
            }
            object(metadata, "refs")?.insert(name.clone(), reference);
            if name == "main" {
                metadata["current-snapshot-id"] = json!(id);
                list(metadata, "snapshot-log")?
                    .push(json!({"timestamp-ms": now_ms, "snapshot-id": id}));
            }
        }
        "remove-snapshot-ref" => {
            let name = field("ref-name")?
                .as_str()
                .ok_or_else(|| invalid("ref-name must be a string"))?
                .to_string();
            object(metadata, "refs")?.remove(&name);
            if name == "main" {
                metadata["current-snapshot-id"] = json!(-1);
            }
        }
        "remove-snapshots" => {
            let ids: Vec<i64> = field("snapshot-ids")?
                .as_array()
                .ok_or_else(|| invalid("snapshot-ids must be a list"))?
                .iter()
                .filter_map(Value::as_i64)
                .collect();
            list(metadata, "snapshots")?.retain(|s| {
                !s.get("snapshot-id")
                    .and_then(Value::as_i64)
                    .is_some_and(|id| ids.contains(&id))
            });
            object(metadata, "refs")?.retain(|_, r| {
                !r.get("snapshot-id")
                    .and_then(Value::as_i64)
                    .is_some_and(|id| ids.contains(&id))
            });
            if int(metadata, "current-snapshot-id").is_some_and(|id| ids.contains(&id)) {
                metadata["current-snapshot-id"] = json!(-1);
            }
            // A removed snapshot's statistics files describe nothing any more (Java's
            // TableMetadata drops them with it).
            for key in ["statistics", "partition-statistics"] {
                list(metadata, key)?.retain(|file| {
                    !file
                        .get("snapshot-id")
                        .and_then(Value::as_i64)
                        .is_some_and(|id| ids.contains(&id))
                });
            }
        }
        "set-statistics" | "set-partition-statistics" => {
            let (key, entry) = if action == "set-statistics" {
                ("statistics", field("statistics")?)
            } else {
                ("partition-statistics", field("partition-statistics")?)
            };
            let id = entry
                .get("snapshot-id")
                .and_then(Value::as_i64)
                .ok_or_else(|| invalid(format!("{action}: the file has no snapshot-id")))?;
            if !entry.get("statistics-path").is_some_and(Value::is_string) {
                return Err(invalid(format!(
                    "{action}: the file has no statistics-path"
                )));
            }
            let entry = entry.clone();
            let files = list(metadata, key)?;
            // One statistics file per snapshot: a new one replaces the snapshot's old one.
            files.retain(|file| file.get("snapshot-id").and_then(Value::as_i64) != Some(id));
            files.push(entry);
        }
        "remove-statistics" | "remove-partition-statistics" => {
            let id = field("snapshot-id")?
                .as_i64()
                .ok_or_else(|| invalid("snapshot-id must be a number"))?;
            let key = if action == "remove-statistics" {
                "statistics"
            } else {
                "partition-statistics"
            };
            list(metadata, key)?
                .retain(|file| file.get("snapshot-id").and_then(Value::as_i64) != Some(id));
        }
        "remove-partition-specs" | "remove-schemas" => {
            let (ids_key, list_key, id_key, current_key) = if action == "remove-schemas" {
                ("schema-ids", "schemas", "schema-id", "current-schema-id")
            } else {
                ("spec-ids", "partition-specs", "spec-id", "default-spec-id")
            };
            let ids: Vec<i64> = field(ids_key)?
                .as_array()
                .ok_or_else(|| invalid(format!("{ids_key} must be a list")))?
                .iter()
                .map(|id| {
                    id.as_i64()
                        .ok_or_else(|| invalid(format!("{ids_key} must hold numbers")))
                })
                .collect::<Result<_, _>>()?;
            if let Some(current) = int(metadata, current_key).filter(|id| ids.contains(id)) {
                return Err(invalid(format!(
                    "{action}: {current} is the table's {current_key} and cannot be removed"
                )));
            }
            list(metadata, list_key)?.retain(|entry| {
                !entry
                    .get(id_key)
                    .and_then(Value::as_i64)
                    .is_some_and(|id| ids.contains(&id))
            });
        }
        "set-location" => {
            metadata["location"] = field("location")?.clone();
        }
        "set-properties" => {
            let updates = field("updates")?
                .as_object()
                .ok_or_else(|| invalid("set-properties: updates must be an object"))?
                .clone();
            let properties = object(metadata, "properties")?;
            properties.extend(updates);
        }
        "remove-properties" => {
            let removals: Vec<String> = field("removals")?
                .as_array()
                .ok_or_else(|| invalid("remove-properties: removals must be a list"))?
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            let properties = object(metadata, "properties")?;
            for key in removals {
                properties.remove(&key);
            }
        }
        other => {
            return Err(invalid(format!(
                "update {other:?} is not supported by lakecat's Iceberg REST catalog yet"
            )));
        }
    }
    Ok(())
}

/// The name of the metadata file after `current` (a URL or file name ending
/// `<version>-<uuid>.metadata.json`, or `v<version>.metadata.json`): the next version with
/// `uuid`, as Iceberg's catalogs name them.
pub fn next_metadata_file_name(current: &str, uuid: &str) -> String {
    let name = current.rsplit('/').next().unwrap_or(current);
    let version = name
        .split(['-', '.'])
        .next()
        .map(|v| v.trim_start_matches('v'))
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(0, |v| v + 1);
    format!("{version:05}-{uuid}.metadata.json")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn table() -> Value {
        let schema = json!({"type": "struct", "fields": [
            {"id": 1, "name": "id", "required": true, "type": "long"},
            {"id": 2, "name": "tags", "required": false, "type": {"type": "list", "element-id": 3, "element": "string", "element-required": false}}
        ]});
        let spec =
            json!({"fields": [{"source-id": 1, "transform": "bucket[4]", "name": "id_bucket"}]});
        let properties = Map::new();
        new_table_metadata(&NewTable {
            location: "s3://lake/t",
            schema: &schema,
            partition_spec: Some(&spec),
            write_order: None,
            properties: &properties,
            table_uuid: "u-1",
            now_ms: 10,
        })
        .unwrap()
    }

    #[test]
    fn a_new_table_counts_nested_ids_and_numbers_partition_fields() {
        let t = table();
        assert_eq!(t["last-column-id"], json!(3));
        assert_eq!(
            t["partition-specs"][0]["fields"][0]["field-id"],
            json!(1000)
        );
        assert_eq!(t["last-partition-id"], json!(1000));
        assert_eq!(t["current-snapshot-id"], json!(-1));
    }

    fn snapshot(id: i64, sequence: i64) -> Value {
        json!({"action": "add-snapshot", "snapshot": {"snapshot-id": id, "sequence-number": sequence, "timestamp-ms": 5, "manifest-list": "s3://lake/t/metadata/snap.avro", "summary": {"operation": "append"}}})
    }

    fn main_ref(id: i64) -> Value {
        json!({"action": "set-snapshot-ref", "ref-name": "main", "type": "branch", "snapshot-id": id})
    }

    #[test]
    fn requirements_hold_or_conflict() {
        let t = table();
        let appended = apply_updates(&t, &[snapshot(7, 1), main_ref(7)], "m0", 20).unwrap();
        let cases: Vec<(&str, &Value, Value, Option<bool>)> = vec![
            (
                "no snapshot yet",
                &t,
                json!({"type": "assert-ref-snapshot-id", "ref": "main", "snapshot-id": null}),
                Some(true),
            ),
            (
                "main moved",
                &appended,
                json!({"type": "assert-ref-snapshot-id", "ref": "main", "snapshot-id": null}),
                Some(false),
            ),
            (
                "main as read",
                &appended,
                json!({"type": "assert-ref-snapshot-id", "ref": "main", "snapshot-id": 7}),
                Some(true),
            ),
            (
                "same uuid in any case",
                &t,
                json!({"type": "assert-table-uuid", "uuid": "U-1"}),
                Some(true),
            ),
            (
                "another table",
                &t,
                json!({"type": "assert-table-uuid", "uuid": "u-2"}),
                Some(false),
            ),
            (
                "schema as read",
                &t,
                json!({"type": "assert-current-schema-id", "current-schema-id": 0}),
                Some(true),
            ),
            (
                "field ids moved",
                &t,
                json!({"type": "assert-last-assigned-field-id", "last-assigned-field-id": 2}),
                Some(false),
            ),
            (
                "spec as read",
                &t,
                json!({"type": "assert-default-spec-id", "default-spec-id": 0}),
                Some(true),
            ),
            (
                "exists already",
                &t,
                json!({"type": "assert-create"}),
                Some(false),
            ),
            ("unknown", &t, json!({"type": "assert-nothing"}), None),
        ];
        for (name, metadata, requirement, holds) in cases {
            let result = check_requirement(metadata, &requirement);
            match holds {
                Some(true) => assert!(result.is_ok(), "{name}: {result:?}"),
                Some(false) => assert!(
                    matches!(result, Err(CommitError::Conflict(_))),
                    "{name}: {result:?}"
                ),
                None => assert!(
                    matches!(result, Err(CommitError::Invalid(_))),
                    "{name}: {result:?}"
                ),
            }
        }
    }

    #[test]
    fn an_append_moves_main_and_logs_the_previous_file() {
        let t = table();
        let next = apply_updates(
            &t,
            &[snapshot(7, 1), main_ref(7)],
            "s3://lake/t/metadata/00000-a.metadata.json",
            20,
        )
        .unwrap();
        assert_eq!(next["current-snapshot-id"], json!(7));
        assert_eq!(next["refs"]["main"]["snapshot-id"], json!(7));
        assert_eq!(next["last-sequence-number"], json!(1));
        assert_eq!(
            next["snapshot-log"],
            json!([{"timestamp-ms": 20, "snapshot-id": 7}])
        );
        assert_eq!(
            next["metadata-log"],
            json!([{"timestamp-ms": 20, "metadata-file": "s3://lake/t/metadata/00000-a.metadata.json"}])
        );
        assert_eq!(next["last-updated-ms"], json!(20));
        // A second append built on the same base reuses the sequence number: refused.
        let stale = apply_updates(&next, &[snapshot(8, 1), main_ref(8)], "m1", 30);
        assert!(matches!(stale, Err(CommitError::Conflict(_))), "{stale:?}");
    }

    #[test]
    fn schema_evolution_and_properties() {
        let t = table();
        let evolved = json!({"type": "struct", "schema-id": -1, "fields": [
            {"id": 1, "name": "id", "required": true, "type": "long"},
            {"id": 4, "name": "note", "required": false, "type": "string"}
        ]});
        let next = apply_updates(
            &t,
            &[
                json!({"action": "add-schema", "schema": evolved}),
                json!({"action": "set-current-schema", "schema-id": -1}),
                json!({"action": "set-properties", "updates": {"owner": "ana"}}),
                json!({"action": "remove-properties", "removals": ["absent"]}),
            ],
            "m0",
            20,
        )
        .unwrap();
        assert_eq!(next["current-schema-id"], json!(1));
        assert_eq!(next["last-column-id"], json!(4));
        assert_eq!(next["properties"], json!({"owner": "ana"}));
        let unknown = apply_updates(
            &t,
            &[json!({"action": "add-encryption-key", "encryption-key": {}})],
            "m0",
            20,
        );
        assert!(
            matches!(unknown, Err(CommitError::Invalid(_))),
            "{unknown:?}"
        );
        let bad_ref = apply_updates(&t, &[main_ref(99)], "m0", 20);
        assert!(
            matches!(bad_ref, Err(CommitError::Invalid(_))),
            "{bad_ref:?}"
        );
    }

    #[test]
    fn statistics_files_are_set_per_snapshot_and_go_with_it() {
        let t = apply_updates(&table(), &[snapshot(7, 1), main_ref(7)], "m0", 20).unwrap();
        let puffin = |path: &str| {
            json!({"snapshot-id": 7, "statistics-path": path, "file-size-in-bytes": 10,
                   "file-footer-size-in-bytes": 4, "blob-metadata": []})
        };
        let partition_file = json!({"snapshot-id": 7, "statistics-path": "s3://lake/t/p.parquet", "file-size-in-bytes": 9});
        let next = apply_updates(
            &t,
            &[
                json!({"action": "set-statistics", "statistics": puffin("s3://lake/t/a.puffin")}),
                json!({"action": "set-statistics", "snapshot-id": 7, "statistics": puffin("s3://lake/t/b.puffin")}),
                json!({"action": "set-partition-statistics", "partition-statistics": partition_file}),
            ],
            "m1",
            30,
        )
        .unwrap();
        assert_eq!(next["statistics"], json!([puffin("s3://lake/t/b.puffin")]));
        assert_eq!(
            next["partition-statistics"][0]["file-size-in-bytes"],
            json!(9)
        );

        let cases: Vec<(&str, Value, &str, usize)> = vec![
            (
                "remove the snapshot's file",
                json!({"action": "remove-statistics", "snapshot-id": 7}),
                "statistics",
                0,
            ),
            (
                "another snapshot's: none",
                json!({"action": "remove-statistics", "snapshot-id": 8}),
                "statistics",
                1,
            ),
            (
                "partition file",
                json!({"action": "remove-partition-statistics", "snapshot-id": 7}),
                "partition-statistics",
                0,
            ),
            (
                "the snapshot removed",
                json!({"action": "remove-snapshots", "snapshot-ids": [7]}),
                "partition-statistics",
                0,
            ),
        ];
        for (name, update, key, left) in cases {
            let after = apply_updates(&next, &[update], "m2", 40).unwrap();
            assert_eq!(after[key].as_array().unwrap().len(), left, "{name}");
        }
        let pathless = apply_updates(
            &next,
            &[json!({"action": "set-statistics", "statistics": {"snapshot-id": 7}})],
            "m2",
            40,
        );
        assert!(
            matches!(pathless, Err(CommitError::Invalid(_))),
            "{pathless:?}"
        );
    }

    #[test]
    fn unused_schemas_and_specs_are_removed_but_not_the_current_ones() {
        let evolved = json!({"type": "struct", "fields": [{"id": 1, "name": "id", "required": true, "type": "long"}]});
        let unpartitioned = json!({"fields": []});
        let t = apply_updates(
            &table(),
            &[
                json!({"action": "add-schema", "schema": evolved}),
                json!({"action": "set-current-schema", "schema-id": -1}),
                json!({"action": "add-spec", "spec": unpartitioned}),
                json!({"action": "set-default-spec", "spec-id": -1}),
            ],
            "m0",
            20,
        )
        .unwrap();
        let ids = |metadata: &Value, list: &str, key: &str| -> Vec<i64> {
            metadata[list]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e[key].as_i64().unwrap())
                .collect()
        };
        // (case, update, what is left: the list, its id key and the ids; None: refused)
        type Left = Option<(&'static str, &'static str, Vec<i64>)>;
        let cases: Vec<(&str, Value, Left)> = vec![
            (
                "old schema",
                json!({"action": "remove-schemas", "schema-ids": [0]}),
                Some(("schemas", "schema-id", vec![1])),
            ),
            (
                "current schema",
                json!({"action": "remove-schemas", "schema-ids": [1]}),
                None,
            ),
            (
                "old spec",
                json!({"action": "remove-partition-specs", "spec-ids": [0]}),
                Some(("partition-specs", "spec-id", vec![1])),
            ),
            (
                "default spec",
                json!({"action": "remove-partition-specs", "spec-ids": [0, 1]}),
                None,
            ),
            (
                "not numbers",
                json!({"action": "remove-schemas", "schema-ids": ["0"]}),
                None,
            ),
        ];
        for (name, update, expected) in cases {
            let result = apply_updates(&t, &[update], "m1", 30);
            match expected {
                Some((list, key, left)) => {
                    assert_eq!(ids(&result.unwrap(), list, key), left, "{name}")
                }
                None => assert!(
                    matches!(result, Err(CommitError::Invalid(_))),
                    "{name}: {result:?}"
                ),
            }
        }
    }

    /// The updates PyIceberg's create transaction sends (`_create_staged_table`, then
    /// `commit_table` with `AssertCreate`).
    fn creating_updates() -> Vec<Value> {
        vec![
            json!({"action": "assign-uuid", "uuid": "u-9"}),
            json!({"action": "upgrade-format-version", "format-version": 2}),
            json!({"action": "add-schema", "schema": {"type": "struct", "schema-id": 0, "fields": [
                {"id": 1, "name": "id", "required": false, "type": "long"}]}, "last-column-id": 1}),
            json!({"action": "set-current-schema", "schema-id": -1}),
            json!({"action": "add-spec", "spec": {"spec-id": 0, "fields": [
                {"source-id": 1, "field-id": 1000, "transform": "identity", "name": "id"}]}}),
            json!({"action": "set-default-spec", "spec-id": -1}),
            json!({"action": "add-sort-order", "sort-order": {"order-id": 0, "fields": []}}),
            json!({"action": "set-default-sort-order", "sort-order-id": -1}),
            json!({"action": "set-location", "location": "s3://lake/ns/t"}),
            json!({"action": "set-properties", "updates": {"owner": "ana"}}),
        ]
    }

    fn create(requirements: &[Value], updates: &[Value]) -> Result<Value, CommitError> {
        created_metadata(&CreatingCommit {
            requirements,
            updates,
            default_location: "s3://lake/ns/default",
            table_uuid: "fresh",
            now_ms: 50,
        })
    }

    #[test]
    fn a_commit_creates_a_table_from_its_updates() {
        let assert_create = [json!({"type": "assert-create"})];
        let updates = creating_updates();
        let created = create(&assert_create, &updates).unwrap();
        let expected = [
            ("table-uuid", json!("u-9")),
            ("format-version", json!(2)),
            ("location", json!("s3://lake/ns/t")),
            ("current-schema-id", json!(0)),
            ("last-column-id", json!(1)),
            ("default-spec-id", json!(0)),
            ("last-partition-id", json!(1000)),
            ("default-sort-order-id", json!(0)),
            ("sort-orders", json!([{"order-id": 0, "fields": []}])),
            ("properties", json!({"owner": "ana"})),
            ("current-snapshot-id", json!(-1)),
            ("metadata-log", json!([])),
            ("last-updated-ms", json!(50)),
        ];
        for (key, value) in expected {
            assert_eq!(created[key], value, "{key}");
        }

        // Only a schema is needed; the rest takes a new table's defaults.
        let minimal = create(&assert_create, &updates[2..4]).unwrap();
        let defaults = [
            ("table-uuid", json!("fresh")),
            ("format-version", json!(2)),
            ("location", json!("s3://lake/ns/default")),
            ("partition-specs", json!([{"spec-id": 0, "fields": []}])),
            ("default-spec-id", json!(0)),
            ("last-partition-id", json!(999)),
        ];
        for (key, value) in defaults {
            assert_eq!(minimal[key], value, "{key}");
        }
        let schemaless = create(&assert_create, &updates[..2]);
        assert!(
            matches!(schemaless, Err(CommitError::Invalid(_))),
            "{schemaless:?}"
        );
        let other = [json!({"type": "assert-current-schema-id", "current-schema-id": 0})];
        let refused = create(&other, &updates);
        assert!(
            matches!(refused, Err(CommitError::Conflict(_))),
            "{refused:?}"
        );
    }

    #[test]
    fn an_unsorted_order_is_order_zero() {
        let sorted = json!({"fields": [{"source-id": 1, "transform": "identity", "direction": "asc", "null-order": "nulls-first"}]});
        let next = apply_updates(
            &table(),
            &[
                json!({"action": "add-sort-order", "sort-order": {"order-id": 5, "fields": []}}),
                json!({"action": "set-default-sort-order", "sort-order-id": -1}),
                json!({"action": "add-sort-order", "sort-order": sorted}),
            ],
            "m0",
            20,
        )
        .unwrap();
        assert_eq!(next["default-sort-order-id"], json!(0));
        let ids: Vec<&Value> = next["sort-orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| &o["order-id"])
            .collect();
        assert_eq!(ids, [&json!(0), &json!(1)]);
    }

    #[test]
    fn metadata_files_are_numbered_on() {
        let cases = [
            (
                "s3://lake/t/metadata/00000-a.metadata.json",
                "00001-u.metadata.json",
            ),
            ("00041-b.metadata.json", "00042-u.metadata.json"),
            (
                "s3://lake/t/metadata/v7.metadata.json",
                "00008-u.metadata.json",
            ),
            ("odd.json", "00000-u.metadata.json"),
        ];
        for (current, next) in cases {
            assert_eq!(next_metadata_file_name(current, "u"), next, "{current}");
        }
    }
}
