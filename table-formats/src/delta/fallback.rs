//! The table's description when the kernel refuses it: the newest `metaData` and `protocol`
//! actions, read by hand.
//!
//! Those two actions are all a catalog needs besides file counts (schema, partition columns,
//! properties), and reading them takes no table feature: JSON commits from the newest down,
//! and, when the commits after the newest checkpoint hold neither, the checkpoint's
//! `metaData` and `protocol` columns only. Files are not counted: that needs the full log
//! replay the kernel refused.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use delta_kernel::arrow::json::LineDelimitedWriter;
use futures::future::BoxFuture;
use futures::{FutureExt, TryFutureExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::{AsyncFileReader, ParquetRecordBatchStreamBuilder};
use parquet::errors::ParquetError;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use serde::Deserialize;

use super::{DeltaState, FORMAT, schema};
use crate::{TableFormatError, TableRoot};

/// Reads the newest `metaData` and `protocol` of the table at `root`; `refusal` says why the
/// kernel did not read it, for the note.
pub(super) async fn read(root: &TableRoot, refusal: &str) -> Result<DeltaState, TableFormatError> {
    let log = root.child("_delta_log");
    let entries = list(root, &log).await?;
    let Some(version) = entries.newest_version() else {
        return Err(TableFormatError::NotATable {
            root: root.url.clone(),
            format: FORMAT,
            message: "_delta_log/ holds no commit and no checkpoint".to_owned(),
        });
    };
    let checkpoint = entries.newest_checkpoint();

    // Where the newest actions are, newest first: the commits after the checkpoint, the
    // checkpoint, then older commits (in case the checkpoint cannot be read).
    let floor = checkpoint.as_ref().map(|(v, _)| *v);
    let mut sources: Vec<Source<'_>> = Vec::new();
    let newer = entries
        .commits
        .iter()
        .rev()
        .filter(|(v, _)| floor.is_none_or(|floor| **v > floor));
    sources.extend(newer.map(|(v, meta)| Source::Commit(*v, meta)));
    if let Some((_, files)) = &checkpoint {
        sources.push(Source::Checkpoint(files));
    }
    let older = entries
        .commits
        .iter()
        .rev()
        .filter(|(v, _)| floor.is_some_and(|floor| **v <= floor));
    sources.extend(older.map(|(v, meta)| Source::Commit(*v, meta)));

    let mut found = Found::default();
    let mut failure = None;
    for source in sources {
        if found.meta_data.is_some() && found.protocol.is_some() {
            break;
        }
        let read = match source {
            Source::Commit(v, meta) => {
                read_commit(&root.store, &meta.location, &mut found, v == version).await
            }
            Source::Checkpoint(files) => read_checkpoint(&root.store, files, &mut found).await,
        };
        // A part of the log that cannot be read is passed over while older parts may hold the
        // actions; it is the error only if none does.
        if let Err(error) = read {
            failure.get_or_insert(error);
        }
    }

    let Some(meta_data) = found.meta_data else {
        return Err(failure.unwrap_or_else(|| TableFormatError::Invalid {
            path: log.to_string(),
            format: FORMAT,
            message: "no metaData action in the log".to_owned(),
        }));
    };
    let mut notes = vec![refusal_note(refusal, found.protocol.as_ref())];
    let columns = schema::columns_of(&meta_data.schema_string, &mut notes).map_err(|message| {
        TableFormatError::Invalid {
            path: log.to_string(),
            format: FORMAT,
            message,
        }
    })?;
    // The commit time as the kernel takes it: the in-commit timestamp when the newest commit
    // has one, else the commit file's modification time.
    let commit_timestamp_ms = found.in_commit_timestamp.or_else(|| {
        entries
            .commits
            .get(&version)
            .map(|meta| meta.last_modified.timestamp_millis())
    });
    if commit_timestamp_ms.is_none() {
        notes.push(format!(
            "the commit time of version {version} is unknown: its commit file is not in the log"
        ));
    }
    Ok(DeltaState {
        version,
        checkpoint: floor,
        columns,
        partition_columns: meta_data.partition_columns,
        configuration: meta_data
            .configuration
            .into_iter()
            .filter_map(|(key, value)| Some((key, value?)))
            .collect(),
        description: meta_data.description,
        commit_timestamp_ms,
        files: None,
        notes,
    })
}

/// The note that tells the run record why the table has no file counts.
fn refusal_note(refusal: &str, protocol: Option<&Protocol>) -> String {
    let protocol = match protocol {
        Some(protocol) => {
            let features = protocol.reader_features.as_deref().unwrap_or_default();
            if features.is_empty() {
                format!(" (reader version {})", protocol.min_reader_version)
            } else {
                format!(
                    " (reader version {}, reader features {})",
                    protocol.min_reader_version,
                    features.join(", ")
                )
            }
        }
        None => String::new(),
    };
    format!(
        "the Delta kernel cannot read this table: {refusal}; columns, partition columns and \
         properties come from the newest metaData and protocol actions{protocol}, and live \
         files are not counted"
    )
}

/// A part of the log to read.
enum Source<'a> {
    /// A JSON commit: its version and object.
    Commit(u64, &'a ObjectMeta),
    /// A checkpoint's files (several for a multi-part checkpoint).
    Checkpoint(&'a [ObjectMeta]),
}

/// The actions found so far (the first found of each is the newest).
#[derive(Debug, Default)]
struct Found {
    meta_data: Option<MetaData>,
    protocol: Option<Protocol>,
    /// `commitInfo.inCommitTimestamp` of the newest commit.
    in_commit_timestamp: Option<i64>,
}

/// One line of a commit or JSON checkpoint, or one row of a Parquet checkpoint as JSON; other
/// actions are ignored.
#[derive(Debug, Deserialize)]
struct Action {
    #[serde(rename = "metaData")]
    meta_data: Option<MetaData>,
    protocol: Option<Protocol>,
    #[serde(rename = "commitInfo")]
    commit_info: Option<CommitInfo>,
}

/// The `metaData` fields a catalog records.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetaData {
    schema_string: String,
    #[serde(default)]
    partition_columns: Vec<String>,
    #[serde(default)]
    configuration: BTreeMap<String, Option<String>>,
    description: Option<String>,
}

/// The `protocol` fields that say what a reader needs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Protocol {
    min_reader_version: i64,
    reader_features: Option<Vec<String>>,
}

/// The `commitInfo` field that dates a commit when in-commit timestamps are on.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommitInfo {
    in_commit_timestamp: Option<i64>,
}

impl Found {
    /// Takes the actions of one JSON line, keeping those already found (they are newer).
    fn take(&mut self, action: Action, newest_commit: bool) {
        if self.meta_data.is_none() {
            self.meta_data = action.meta_data;
        }
        if self.protocol.is_none() {
            self.protocol = action.protocol;
        }
        if newest_commit && self.in_commit_timestamp.is_none() {
            self.in_commit_timestamp = action.commit_info.and_then(|c| c.in_commit_timestamp);
        }
    }

    /// Takes the actions of newline-delimited JSON. Lines that name none of the wanted actions
    /// are not parsed: a commit of a large table is mostly `add` actions.
    fn take_lines(&mut self, text: &[u8], newest_commit: bool) -> Result<(), String> {
        for line in text.split(|b| *b == b'\n') {
            let wanted = contains(line, b"\"metaData\"")
                || contains(line, b"\"protocol\"")
                || (newest_commit && contains(line, b"\"commitInfo\""));
            if !wanted {
                continue;
            }
            let action: Action = serde_json::from_slice(line).map_err(|e| e.to_string())?;
            self.take(action, newest_commit);
        }
        Ok(())
    }
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Reads one JSON commit (or JSON checkpoint).
async fn read_commit(
    store: &Arc<dyn ObjectStore>,
    path: &Path,
    found: &mut Found,
    newest_commit: bool,
) -> Result<(), TableFormatError> {
    let bytes = get(store, path).await?;
    found
        .take_lines(&bytes, newest_commit)
        .map_err(|message| TableFormatError::Invalid {
            path: path.to_string(),
            format: FORMAT,
            message,
        })
}

/// Reads a checkpoint: JSON lines for a V2 checkpoint written as JSON, else the `metaData`
/// and `protocol` columns of each Parquet part (only those column chunks are fetched).
async fn read_checkpoint(
    store: &Arc<dyn ObjectStore>,
    files: &[ObjectMeta],
    found: &mut Found,
) -> Result<(), TableFormatError> {
    for file in files {
        if file.location.as_ref().ends_with(".json") {
            read_commit(store, &file.location, found, false).await?;
        } else {
            read_parquet_checkpoint(store, file, found)
                .await
                .map_err(|message| TableFormatError::Invalid {
                    path: file.location.to_string(),
                    format: FORMAT,
                    message,
                })?;
        }
        if found.meta_data.is_some() && found.protocol.is_some() {
            break;
        }
    }
    Ok(())
}

/// The `metaData` and `protocol` rows of a Parquet checkpoint, through JSON so that commits
/// and checkpoints share one reading of the actions.
async fn read_parquet_checkpoint(
    store: &Arc<dyn ObjectStore>,
    file: &ObjectMeta,
    found: &mut Found,
) -> Result<(), String> {
    let reader = RangeReader {
        store: Arc::clone(store),
        path: file.location.clone(),
        size: file.size,
    };
    let builder = ParquetRecordBatchStreamBuilder::new(reader)
        .await
        .map_err(|e| e.to_string())?;
    let mask = ProjectionMask::columns(builder.parquet_schema(), ["metaData", "protocol"]);
    let mut batches = builder
        .with_projection(mask)
        .build()
        .map_err(|e| e.to_string())?;
    while let Some(batch) = batches.try_next().await.map_err(|e| e.to_string())? {
        let mut writer = LineDelimitedWriter::new(Vec::new());
        writer.write(&batch).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
        found.take_lines(&writer.into_inner(), false)?;
        if found.meta_data.is_some() && found.protocol.is_some() {
            break;
        }
    }
    Ok(())
}

/// A Parquet file in the store, read by range: its footer, then the projected column chunks.
struct RangeReader {
    store: Arc<dyn ObjectStore>,
    path: Path,
    /// Its size from the listing, so the footer is one ranged read.
    size: u64,
}

fn parquet_error(error: object_store::Error) -> ParquetError {
    ParquetError::External(Box::new(error))
}

impl AsyncFileReader for RangeReader {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        self.store
            .get_range(&self.path, range)
            .map_err(parquet_error)
            .boxed()
    }

    fn get_byte_ranges(
        &mut self,
        ranges: Vec<Range<u64>>,
    ) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        async move {
            self.store
                .get_ranges(&self.path, &ranges)
                .await
                .map_err(parquet_error)
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        async move {
            let size = self.size;
            let metadata = ParquetMetaDataReader::new()
                .with_arrow_reader_options(options)
                .load_and_finish(self, size)
                .await?;
            Ok(Arc::new(metadata))
        }
        .boxed()
    }
}

/// The whole object at `path`.
async fn get(store: &Arc<dyn ObjectStore>, path: &Path) -> Result<Bytes, TableFormatError> {
    let result = store
        .get(path)
        .await
        .map_err(|e| TableFormatError::read(path, &e))?;
    result
        .bytes()
        .await
        .map_err(|e| TableFormatError::read(path, &e))
}

/// The commits and checkpoints in `_delta_log/`.
#[derive(Debug, Default)]
struct LogEntries {
    /// JSON commits by version.
    commits: BTreeMap<u64, ObjectMeta>,
    /// Checkpoint files by version.
    checkpoints: BTreeMap<u64, Vec<CheckpointFile>>,
}

/// One checkpoint file.
#[derive(Debug)]
enum CheckpointFile {
    /// A classic checkpoint, or a V2 one (`<v>.checkpoint.<uuid>.json|parquet`).
    Whole(ObjectMeta),
    /// Part `part` of a multi-part checkpoint of `parts` parts.
    Part {
        part: u32,
        parts: u32,
        file: ObjectMeta,
    },
}

/// Lists `_delta_log/` (one level: sidecars and staged commits lie below).
async fn list(root: &TableRoot, log: &Path) -> Result<LogEntries, TableFormatError> {
    let listing = match root.store.list_with_delimiter(Some(log)).await {
        Ok(listing) => listing,
        Err(object_store::Error::NotFound { .. }) => return Ok(LogEntries::default()),
        Err(error) => return Err(TableFormatError::read(log, &error)),
    };
    let mut entries = LogEntries::default();
    for object in listing.objects {
        let Some(name) = object.location.filename() else {
            continue;
        };
        match log_file(name) {
            Some(LogFile::Commit(version)) => {
                entries.commits.insert(version, object);
            }
            Some(LogFile::Checkpoint(version, kind)) => {
                let file = match kind {
                    None => CheckpointFile::Whole(object),
                    Some((part, parts)) => CheckpointFile::Part {
                        part,
                        parts,
                        file: object,
                    },
                };
                entries.checkpoints.entry(version).or_default().push(file);
            }
            None => {}
        }
    }
    Ok(entries)
}

impl LogEntries {
    /// The newest version a commit or a complete checkpoint gives.
    fn newest_version(&self) -> Option<u64> {
        let commit = self.commits.keys().next_back().copied();
        let checkpoint = self.newest_checkpoint().map(|(v, _)| v);
        commit.max(checkpoint)
    }

    /// The newest complete checkpoint and its files (a multi-part checkpoint with a part
    /// missing is skipped, as PROTOCOL.md requires).
    fn newest_checkpoint(&self) -> Option<(u64, Vec<ObjectMeta>)> {
        self.checkpoints.iter().rev().find_map(|(version, files)| {
            if let Some(whole) = files.iter().find_map(|f| match f {
                CheckpointFile::Whole(whole) => Some(whole),
                CheckpointFile::Part { .. } => None,
            }) {
                return Some((*version, vec![whole.clone()]));
            }
            // Multi-part: the parts of one `parts` count, each present once.
            let mut by_count: BTreeMap<u32, BTreeMap<u32, &ObjectMeta>> = BTreeMap::new();
            for file in files {
                if let CheckpointFile::Part { part, parts, file } = file {
                    by_count.entry(*parts).or_default().insert(*part, file);
                }
            }
            by_count.into_iter().find_map(|(parts, present)| {
                let complete = u32::try_from(present.len()) == Ok(parts)
                    && (1..=parts).all(|part| present.contains_key(&part));
                complete.then(|| (*version, present.into_values().cloned().collect()))
            })
        })
    }
}

/// A log file's kind.
#[derive(Debug, PartialEq, Eq)]
enum LogFile {
    /// `<20 digits>.json`.
    Commit(u64),
    /// `<20 digits>.checkpoint[...]`: a whole checkpoint, or (part, parts).
    Checkpoint(u64, Option<(u32, u32)>),
}

/// The kind of a file in `_delta_log/` by its name (PROTOCOL.md "Delta Log Entries",
/// "Checkpoints"); `None` for checksums, compactions, `_last_checkpoint` and the rest.
fn log_file(name: &str) -> Option<LogFile> {
    let digits = name.get(..20)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let version: u64 = digits.parse().ok()?;
    let rest = &name[20..];
    if rest == ".json" {
        return Some(LogFile::Commit(version));
    }
    let checkpoint = rest.strip_prefix(".checkpoint")?;
    if checkpoint == ".parquet" {
        return Some(LogFile::Checkpoint(version, None));
    }
    let middle = checkpoint
        .strip_prefix('.')?
        .strip_suffix(".parquet")
        .or_else(|| checkpoint.strip_prefix('.')?.strip_suffix(".json"))?;
    // `<part>.<parts>` (10 digits each) or a V2 checkpoint's UUID.
    if let Some((part, parts)) = middle.split_once('.')
        && part.len() == 10
        && parts.len() == 10
        && checkpoint.ends_with(".parquet")
    {
        let part: u32 = part.parse().ok()?;
        let parts: u32 = parts.parse().ok()?;
        return (part >= 1 && part <= parts)
            .then_some(LogFile::Checkpoint(version, Some((part, parts))));
    }
    let uuid = middle.len() == 36 && middle.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    uuid.then_some(LogFile::Checkpoint(version, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_file_names_are_recognised() {
        assert_eq!(
            log_file("00000000000000000007.json"),
            Some(LogFile::Commit(7))
        );
        assert_eq!(
            log_file("00000000000000000010.checkpoint.parquet"),
            Some(LogFile::Checkpoint(10, None))
        );
        assert_eq!(
            log_file("00000000000000000010.checkpoint.0000000002.0000000003.parquet"),
            Some(LogFile::Checkpoint(10, Some((2, 3))))
        );
        assert_eq!(
            log_file("00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json"),
            Some(LogFile::Checkpoint(10, None))
        );
        for other in [
            "00000000000000000010.crc",
            "00000000000000000004.00000000000000000006.compacted.json",
            "_last_checkpoint",
            "00000000000000000010.checkpoint.0000000004.0000000003.parquet",
            "0000000000000000001.json",
        ] {
            assert_eq!(log_file(other), None, "{other}");
        }
    }

    #[test]
    fn an_incomplete_multi_part_checkpoint_is_skipped() {
        let mut entries = LogEntries::default();
        let part = |part, parts| CheckpointFile::Part {
            part,
            parts,
            file: ObjectMeta {
                location: Path::from(format!("p{part}of{parts}")),
                last_modified: Default::default(),
                size: 1,
                e_tag: None,
                version: None,
            },
        };
        entries.checkpoints.insert(5, vec![part(1, 2), part(2, 2)]);
        entries.checkpoints.insert(9, vec![part(1, 3), part(3, 3)]);
        let (version, files) = entries.newest_checkpoint().expect("a complete checkpoint");
        assert_eq!(version, 5);
        assert_eq!(files.len(), 2);
        assert_eq!(entries.newest_version(), Some(5));
    }

    #[test]
    fn only_lines_naming_wanted_actions_are_parsed() {
        let mut found = Found::default();
        let log = br#"{"commitInfo":{"timestamp":5,"inCommitTimestamp":7}}
{"add":{"path":"not json at all
{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["x"],"writerFeatures":["x"]}}
{"metaData":{"id":"1","format":{"provider":"parquet","options":{}},"schemaString":"{}","partitionColumns":["p"],"configuration":{"a":"b","n":null}}}
"#;
        found.take_lines(log, true).expect("parses");
        assert_eq!(found.in_commit_timestamp, Some(7));
        assert_eq!(
            found.protocol.as_ref().map(|p| p.min_reader_version),
            Some(3)
        );
        let meta = found.meta_data.expect("metaData");
        assert_eq!(meta.partition_columns, ["p"]);
        assert_eq!(meta.configuration.get("n"), Some(&None));
    }
}
