//! Crawled Hive-style tables of Parquet, ORC or Avro files served as read-only Iceberg
//! tables: on `loadTable`, metadata is generated from the catalog's table and the crawler's
//! file index (`lakecat_table_formats::iceberg::generated`), written under a lakecat-owned
//! metadata location, and served until the table or its files change; then the next
//! generation is a new snapshot of the same Iceberg table, and the earlier metadata files
//! stay readable. See docs/decisions/0004-iceberg-rest-catalog.md §3.
//!
//! The generated state lives in the metadata files themselves: the last one served, whose
//! location the catalog records beside the table's file index, carries what it was made
//! from (`lakecat.source`), its field ids and its snapshots, so a restarted server carries
//! on where the last one stopped. No folder is listed: a file put there by anyone else is
//! never taken for lakecat's. The folder's
//! name ends with the identity of the table's file index (a UUID the catalog gives it when
//! a crawl first writes it), so a table dropped and made again under the same name is
//! another Iceberg table with a folder of its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use lakecat_catalog::{FileIndexState, Table};
use lakecat_table_formats::iceberg::generated::{
    self, GenerationInput, HiveTable, IndexedDataFile, Previous, SOURCE_PROPERTY,
};
use serde_json::Value;

use super::error::IcebergError;
use super::metadata;
use crate::state::AppState;

/// The folder name, below the metadata root, of lakecat's generated metadata when no
/// location is configured: hidden from crawls (a leading `_`), outside every table folder.
const DEFAULT_FOLDER: &str = "_lakecat/iceberg/";

/// Why a crawled table whose files no crawl indexed is not offered.
pub(super) const NOT_INDEXED: &str = "no crawl has indexed its files yet (tables crawled before lakecat kept file indexes \
     are indexed by their next crawl); crawl it with lakecat";

/// How a catalog table is offered through Iceberg REST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Offer {
    /// An Iceberg table: its metadata file.
    Native(String),
    /// A crawled table served with generated metadata, read only.
    Generated,
    /// Not offered, and why.
    Not(String),
}

/// Whether and how `table` is an Iceberg table (decision 0004 §2.2).
pub(super) fn offer(table: &Table) -> Offer {
    if let Some(pointer) = super::tables::pointer(table) {
        return Offer::Native(pointer.to_string());
    }
    let parameter = |key: &str| {
        table
            .parameters
            .get(key)
            .map(|v| v.to_ascii_lowercase())
            .unwrap_or_default()
    };
    let view = table
        .table_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("VIRTUAL_VIEW"));
    if view {
        return Offer::Not("it is a view".into());
    }
    match parameter("table_type").as_str() {
        "" | "external_table" => {}
        other => {
            return Offer::Not(format!(
                "it is a {other} table without an Iceberg metadata_location"
            ));
        }
    }
    let location = table
        .storage_descriptor
        .as_ref()
        .and_then(|sd| sd.location.as_deref())
        .unwrap_or("");
    if location.is_empty() {
        return Offer::Not("it has no location".into());
    }
    match generated::file_format(&parameter("classification")) {
        Ok(_) => Offer::Generated,
        Err(reason) => Offer::Not(reason),
    }
}

/// Generated metadata served lately, by metadata folder.
#[derive(Debug, Clone)]
struct Served {
    source: String,
    location: String,
    metadata: Arc<Value>,
}

/// Where generated metadata goes, what was served last, and one generator per table.
#[derive(Debug, Default)]
pub(crate) struct Generations {
    /// The configured metadata root (a URL ending with `/`); unset, a folder beside the data.
    root: Option<String>,
    served: Mutex<HashMap<String, Served>>,
    generating: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Generations {
    /// Generated metadata under `root` (`s3://bucket/iceberg/`, `file:///srv/iceberg/`), or
    /// under each lake's default when `None`.
    pub(crate) fn new(root: Option<String>) -> Generations {
        Generations {
            root: root.map(|root| format!("{}/", root.trim_end_matches('/'))),
            ..Generations::default()
        }
    }

    /// The metadata folder of `database.table` whose data lies at `location` and whose
    /// file index is `identity`: a table dropped and made again under the same names has
    /// another index, so another folder, and is never served the old table's metadata.
    fn folder(
        &self,
        database: &str,
        table: &str,
        identity: &str,
        location: &str,
    ) -> Result<String, String> {
        let root = match &self.root {
            Some(root) => root.clone(),
            None => default_root(location)?,
        };
        Ok(format!(
            "{root}{}/{}-{}/metadata/",
            folder_name(database),
            folder_name(table),
            folder_name(identity)
        ))
    }

    /// Refuses `url`, a native Iceberg table's location or metadata file (`what`), inside
    /// the root of generated metadata: files there are lakecat's alone, and the metadata it
    /// serves for crawled tables is found in folders there.
    pub(super) fn refuse_inside_root(&self, what: &str, url: &str) -> Result<(), IcebergError> {
        let url = match url.strip_prefix('/') {
            Some(_) => format!("file://{url}"),
            None => url.to_string(),
        };
        let root = match &self.root {
            Some(root) => root.clone(),
            None => match default_root(&url) {
                Ok(root) => root,
                // Not a location lakecat would generate metadata beside.
                Err(_) => return Ok(()),
            },
        };
        let folder = format!("{}/", url.trim_end_matches('/'));
        if folder
            .to_ascii_lowercase()
            .starts_with(&root.to_ascii_lowercase())
        {
            return Err(IcebergError::bad_request(format!(
                "{what} {url} is inside {root}, where lakecat keeps the Iceberg metadata it \
                 generates for crawled tables; give the table a location elsewhere"
            )));
        }
        Ok(())
    }

    fn served(&self, folder: &str, source: &str) -> Option<Served> {
        let served = self.served.lock().unwrap_or_else(|e| e.into_inner());
        served.get(folder).filter(|s| s.source == source).cloned()
    }

    fn remember(&self, folder: &str, served: Served) {
        let mut all = self.served.lock().unwrap_or_else(|e| e.into_inner());
        all.insert(folder.to_string(), served);
    }

    fn lock_of(&self, folder: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.generating.lock().unwrap_or_else(|e| e.into_inner());
        locks.entry(folder.to_string()).or_default().clone()
    }
}

/// A database or table name as one folder name that every store and URL parser reads the
/// same: names may hold `/`, `?`, `#`, `%` or spaces, which would nest folders, cut the URL
/// short or be decoded. Other characters become `_`, and a name that changed gets a short
/// hash of itself, so that two names never share a folder.
fn folder_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe == name {
        return safe;
    }
    // FNV-1a: spread, not secrecy.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in name.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{safe}-{hash:08x}")
}

/// The default metadata root of a table at `location`: the bucket's `_lakecat/iceberg/` for
/// object stores, `./lakecat-iceberg/` beside the server for local tables (as `lakecat.db`).
fn default_root(location: &str) -> Result<String, String> {
    if location.starts_with("file:") || location.starts_with('/') {
        let here = std::env::current_dir().map_err(|error| error.to_string())?;
        return Ok(format!("file://{}/lakecat-iceberg/", here.display()));
    }
    let Some((scheme, rest)) = location.split_once("://") else {
        return Err(format!("its location {location:?} is not a URL"));
    };
    let bucket = rest.split('/').next().unwrap_or("");
    if bucket.is_empty() {
        return Err(format!("its location {location:?} names no bucket"));
    }
    Ok(format!("{scheme}://{bucket}/{DEFAULT_FOLDER}"))
}

/// The metadata last generated for the table, as the catalog recorded it with its file index
/// (`index`); `None` when none was, or when it lies outside the table's folder (the metadata
/// location was moved: the table starts again there). Never a file found by listing.
async fn recorded(
    state: &AppState,
    folder: &str,
    index: &FileIndexState,
) -> Result<Option<(String, Value)>, IcebergError> {
    let Some(url) = &index.generated_metadata else {
        return Ok(None);
    };
    let in_folder = url
        .strip_prefix(folder)
        .is_some_and(|name| !name.contains('/') && name.ends_with(".metadata.json"));
    if !in_folder {
        return Ok(None);
    }
    let document = metadata::read(state, url).await?;
    Ok(Some((url.clone(), document)))
}

/// What metadata generated from `table` and the state `generation` of its file index is
/// made from (`lakecat.source`): the same source, the same metadata.
fn source_of(table: &Table, generation: i64) -> String {
    format!("table version {}, files {generation}", table.version_id)
}

/// The catalog's table as the generator sees it.
fn hive_table(table: &Table, source: String) -> HiveTable {
    let pairs = |columns: &[lakecat_catalog::Column]| {
        columns
            .iter()
            .map(|c| (c.name.clone(), c.type_name.clone().unwrap_or_default()))
            .collect()
    };
    let sd = table.storage_descriptor.clone().unwrap_or_default();
    HiveTable {
        database: table.database_name.clone(),
        name: table.name.clone(),
        location: sd.location.clone().unwrap_or_default(),
        classification: table
            .parameters
            .get("classification")
            .cloned()
            .unwrap_or_default(),
        columns: pairs(&sd.columns),
        partition_keys: pairs(&table.partition_keys),
        source,
    }
}

/// The metadata of the crawled table `table`, generated when the table or its files
/// changed since it was last generated: its location and document.
pub(super) async fn load(
    state: &AppState,
    table: &Table,
) -> Result<(String, Arc<Value>), IcebergError> {
    let qualified = format!("{}.{}", table.database_name, table.name);
    let not_offered = |reason: String| {
        IcebergError::no_such_table(format!(
            "{qualified} is not offered as an Iceberg table: {reason}"
        ))
    };
    let Some(index_state) = state
        .catalog
        .table_files_state(&table.database_name, &table.name)
        .await?
    else {
        return Err(not_offered(NOT_INDEXED.into()));
    };
    let source = source_of(table, index_state.generation);
    let location = table
        .storage_descriptor
        .as_ref()
        .and_then(|sd| sd.location.clone())
        .unwrap_or_default();
    let generations = &state.iceberg;
    let folder = generations
        .folder(
            &table.database_name,
            &table.name,
            &index_state.identity,
            &location,
        )
        .map_err(not_offered)?;
    if let Some(served) = generations.served(&folder, &source) {
        return Ok((served.location, served.metadata));
    }
    let lock = generations.lock_of(&folder);
    let _generating = lock.lock().await;
    if let Some(served) = generations.served(&folder, &source) {
        return Ok((served.location, served.metadata));
    }
    let previous = recorded(state, &folder, &index_state).await?;
    if let Some((url, document)) = &previous
        && document["properties"][SOURCE_PROPERTY].as_str() == Some(source.as_str())
    {
        let served = Served {
            source,
            location: url.clone(),
            metadata: Arc::new(document.clone()),
        };
        generations.remember(&folder, served.clone());
        return Ok((served.location, served.metadata));
    }
    let Some(index) = state
        .catalog
        .table_files(&table.database_name, &table.name)
        .await?
    else {
        return Err(not_offered("its file index is gone".into()));
    };
    if index.identity != index_state.identity {
        return Err(IcebergError::service_failure(format!(
            "{qualified} was dropped and made again while its Iceberg metadata was being \
             generated; load it again"
        )));
    }
    // A crawl may have landed since the generation was read: the files read are its, and
    // the metadata says so.
    let source = source_of(table, index.generation);
    if index.unread > 0 {
        return Err(not_offered(format!(
            "the crawl counted {} of its files without reading them (a sample size), so \
             their record counts are unknown; crawl it without a sample size",
            index.unread
        )));
    }
    let files: Vec<IndexedDataFile> = index
        .files
        .into_iter()
        .map(|file| IndexedDataFile {
            path: file.path,
            partition_values: file.partition_values,
            size: file.size.max(0) as u64,
            record_count: file.record_count.map(|n| n.max(0) as u64),
            stats: file.stats.and_then(|text| serde_json::from_str(&text).ok()),
        })
        .collect();
    let hive = hive_table(table, source.clone());
    let metadata_folder = folder.clone();
    // Seconds of work for a table of 100,000 files: off the request threads.
    let made = tokio::task::spawn_blocking(move || {
        let mut new_uuid = lakecat_catalog::id::random_uuid;
        generated::generate(GenerationInput {
            table: &hive,
            files: &files,
            previous: previous
                .as_ref()
                .map(|(location, metadata)| Previous { location, metadata }),
            metadata_folder: &metadata_folder,
            now_ms: chrono::Utc::now().timestamp_millis(),
            new_uuid: &mut new_uuid,
        })
    })
    .await
    .map_err(|error| {
        IcebergError::service_failure(format!(
            "generating Iceberg metadata for {qualified} failed: {error}"
        ))
    })?
    .map_err(|reason| not_offered(reason.0))?;
    for note in &made.notes {
        tracing::info!(table = %qualified, "generated Iceberg metadata: {note}");
    }
    for (url, bytes) in made.files {
        metadata::write_new_bytes(state, &url, bytes).await?;
    }
    // Recorded only against the index it was made from: a table dropped and made again
    // meanwhile keeps its own.
    state
        .catalog
        .record_generated_metadata(
            &table.database_name,
            &table.name,
            &index_state.identity,
            &made.metadata_location,
        )
        .await?;
    let served = Served {
        source,
        location: made.metadata_location,
        metadata: Arc::new(made.metadata),
    };
    generations.remember(&folder, served.clone());
    Ok((served.location, served.metadata))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_roots_lie_outside_table_folders() {
        let cases = [
            ("s3://lake/sales/", Ok("s3://lake/_lakecat/iceberg/")),
            ("gs://b/x/y/", Ok("gs://b/_lakecat/iceberg/")),
            ("s3:///x", Err(())),
            ("sales", Err(())),
        ];
        let cases: Vec<(&str, Result<String, ()>)> = cases
            .into_iter()
            .map(|(location, root)| (location, root.map(str::to_string)))
            .collect();
        for (location, expected) in cases {
            let got = default_root(location).map_err(|_| ());
            assert_eq!(got.as_deref(), expected.as_deref(), "{location}");
        }
        assert!(
            default_root("file:///data/t/")
                .unwrap()
                .ends_with("/lakecat-iceberg/")
        );
    }

    /// (name, folder name, or None when it must differ from the name).
    #[test]
    fn names_become_one_safe_folder_each() {
        let cases = [
            ("sales", Some("sales")),
            ("sales_2024-x", Some("sales_2024-x")),
            ("a/b", None),
            ("a/../../etc", None),
            ("x?y#z", None),
            ("caf\u{e9}", None),
            ("a.b", None),
        ];
        let mut seen = std::collections::HashSet::new();
        for (name, expected) in cases {
            let folder = folder_name(name);
            match expected {
                Some(expected) => assert_eq!(folder, expected),
                None => {
                    assert_ne!(folder, name);
                    assert!(
                        folder
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                        "{folder}"
                    );
                }
            }
            assert!(seen.insert(folder), "{name}: two names share a folder");
        }
        assert_ne!(folder_name("a/b"), folder_name("a?b"));
    }

    /// (configured root, native table's location, refused).
    #[test]
    fn native_locations_inside_the_generated_root_are_refused() {
        let configured = Some("s3://meta/iceberg/");
        let cases = [
            (configured, "s3://meta/iceberg/lake/t-1/metadata/", true),
            (configured, "s3://meta/iceberg", true),
            (configured, "S3://META/iceberg/x", true),
            (configured, "s3://meta/iceberg-other/t", false),
            (configured, "s3://lake/_lakecat/iceberg/t", false),
            (None, "s3://lake/_lakecat/iceberg/t", true),
            (
                None,
                "s3://lake/_lakecat/iceberg/lake/t-1/metadata/00001-x.metadata.json",
                true,
            ),
            (None, "s3://lake/tables/t", false),
            (None, "s3://lake/_lakecat/icebergs", false),
            (None, "relative", false),
        ];
        for (root, location, refused) in cases {
            let generations = Generations::new(root.map(str::to_string));
            let got = generations.refuse_inside_root("the location", location);
            assert_eq!(got.is_err(), refused, "{root:?} {location}");
        }
        let here = default_root("/x").unwrap();
        let local = format!("{}t", here.strip_prefix("file://").unwrap());
        assert!(
            Generations::new(None)
                .refuse_inside_root("the location", &local)
                .is_err()
        );
    }

    fn table(
        parameters: &[(&str, &str)],
        table_type: Option<&str>,
        location: Option<&str>,
    ) -> Table {
        Table {
            database_name: "db".into(),
            name: "t".into(),
            table_type: table_type.map(str::to_string),
            parameters: parameters
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            storage_descriptor: Some(lakecat_catalog::StorageDescriptor {
                location: location.map(str::to_string),
                ..Default::default()
            }),
            description: None,
            owner: None,
            partition_keys: Vec::new(),
            retention: 0,
            view_original_text: None,
            view_expanded_text: None,
            create_time: chrono::DateTime::default(),
            update_time: chrono::DateTime::default(),
            last_access_time: None,
            version_id: "0".into(),
        }
    }

    /// (parameters, table type, location, expected offer).
    #[test]
    fn tables_are_offered_by_kind() {
        let loc = Some("s3://lake/t/");
        let ext = Some("EXTERNAL_TABLE");
        let cases = [
            (
                vec![("classification", "parquet")],
                ext,
                loc,
                Some(Offer::Generated),
            ),
            (
                vec![("classification", "ORC")],
                ext,
                loc,
                Some(Offer::Generated),
            ),
            (
                vec![("classification", "avro")],
                None,
                loc,
                Some(Offer::Generated),
            ),
            (
                vec![
                    ("table_type", "ICEBERG"),
                    ("metadata_location", "s3://m.json"),
                ],
                ext,
                loc,
                Some(Offer::Native("s3://m.json".into())),
            ),
            (vec![("classification", "csv")], ext, loc, None),
            (vec![("classification", "json")], ext, loc, None),
            (vec![("classification", "parquet")], ext, None, None),
            (
                vec![("classification", "parquet")],
                Some("VIRTUAL_VIEW"),
                loc,
                None,
            ),
            (
                vec![("classification", "parquet"), ("table_type", "DELTA")],
                ext,
                loc,
                None,
            ),
            (vec![("classification", "delta")], ext, loc, None),
        ];
        for (parameters, kind, location, expected) in cases {
            let got = offer(&table(&parameters, kind, location));
            match expected {
                Some(expected) => assert_eq!(got, expected, "{parameters:?}"),
                None => assert!(matches!(got, Offer::Not(_)), "{parameters:?}: {got:?}"),
            }
        }
    }
}
