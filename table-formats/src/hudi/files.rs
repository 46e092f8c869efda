//! The table's files: partition folders, base and log files from a listing of the root, and
//! which base files are live.
//!
//! Hudi keeps no file list in its timeline short of its metadata table, so the reader lists
//! the root. A partition folder holds `.hoodie_partition_metadata` (or base files); a base
//! file is named `<fileId>_<writeToken>_<instantTime>.<ext>`, and the files of one file id
//! are the versions (slices) of one file group, of which a reader sees the newest committed.

use std::collections::{BTreeMap, BTreeSet};

use super::timeline::{Commit, Timeline};

/// Hive's name for a null partition value, which Hudi writes as a folder name too; the only
/// name starting with `_` that is not hidden.
const HIVE_DEFAULT_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// A base file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseFile {
    /// Its path relative to the root.
    pub(crate) path: String,
    /// Its file group.
    pub(crate) file_id: String,
    /// The instant that wrote it.
    pub(crate) instant: String,
    /// Its size in bytes.
    pub(crate) size: u64,
}

/// The parts of a base file name: file id, write token, instant time.
pub(crate) fn parse_base_file_name(name: &str) -> Option<(&str, &str, &str)> {
    // Hudi's own parsing (`FSUtils.getFileId`, `getCommitTime`): the file id is the text
    // before the first `_`, the instant the third `_` part up to its first `.`.
    let mut parts = name.split('_');
    let file_id = parts.next()?;
    let write_token = parts.next()?;
    let instant = parts.next()?.split('.').next()?;
    let valid = !file_id.is_empty()
        && !file_id.starts_with('.')
        && !instant.is_empty()
        && instant.bytes().all(|b| b.is_ascii_digit());
    valid.then_some((file_id, write_token, instant))
}

/// The file id of a log file (`.<fileId>_<instant>.log.<version>_<writeToken>`).
pub(crate) fn parse_log_file_name(name: &str) -> Option<&str> {
    let rest = name.strip_prefix('.')?;
    if !rest.contains(".log.") {
        return None;
    }
    let (file_id, _) = rest.split_once('_')?;
    (!file_id.is_empty()).then_some(file_id)
}

/// What one partition folder holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Folder {
    /// Base files of every slice, committed or not.
    pub(crate) base_files: Vec<BaseFile>,
    /// Log files (merge-on-read).
    pub(crate) log_files: u64,
    /// Their size.
    pub(crate) log_bytes: u64,
}

/// The table's files by partition folder (relative to the root, `""` for the root itself).
#[derive(Debug, Clone, Default)]
pub(crate) struct Files {
    /// Partition folders: those with `.hoodie_partition_metadata` or base files.
    pub(crate) folders: BTreeMap<String, Folder>,
    /// Files outside the metadata that are neither base, log nor partition metadata files.
    pub(crate) other_files: u64,
}

/// Whether a folder name is hidden (`.hoodie`, `.temp`, `_temporary`): Hudi never writes
/// data there, apart from Hive's null-partition folder.
pub(crate) fn hidden_folder(name: &str) -> bool {
    name.starts_with('.') || (name.starts_with('_') && !name.starts_with(HIVE_DEFAULT_PARTITION))
}

impl Files {
    /// Sorts one listed object, given by its path relative to the root.
    pub(crate) fn add(&mut self, relative: &str, size: u64, base_extension: &str) {
        let (folder, name) = relative.rsplit_once('/').unwrap_or(("", relative));
        if !folder.is_empty() && folder.split('/').any(hidden_folder) {
            return;
        }
        if name.starts_with(".hoodie_partition_metadata") {
            self.folders.entry(folder.to_string()).or_default();
        } else if parse_log_file_name(name).is_some() {
            let entry = self.folders.entry(folder.to_string()).or_default();
            entry.log_files += 1;
            entry.log_bytes += size;
        } else if name.starts_with(['.', '_']) {
            // Hidden files (`.DS_Store`, `_SUCCESS`, checksums): not data.
        } else if let Some((file_id, _, instant)) = name
            .strip_suffix(base_extension)
            .and_then(|_| parse_base_file_name(name))
        {
            let base = BaseFile {
                path: relative.to_string(),
                file_id: file_id.to_string(),
                instant: instant.to_string(),
                size,
            };
            self.folders
                .entry(folder.to_string())
                .or_default()
                .base_files
                .push(base);
        } else {
            self.other_files += 1;
        }
    }
}

/// What live-slice selection found in one folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Selection {
    /// The live base files: per file group, the newest slice written by a committed instant.
    pub(crate) live: Vec<BaseFile>,
    /// Base files of instants that did not complete (pending, failed, rolled back).
    pub(crate) not_committed: usize,
    /// Live base files whose instants were archived (counted as committed).
    pub(crate) archived: usize,
    /// File groups that replace commits replaced.
    pub(crate) replaced_groups: usize,
    /// Older slices of live file groups.
    pub(crate) older_slices: usize,
}

/// Picks the live base files of one folder: per file id, the newest slice whose instant is
/// committed, unless a completed replace commit replaced the file group.
pub(crate) fn select_live(
    files: &[BaseFile],
    timeline: &Timeline,
    replaced: &BTreeSet<String>,
) -> Selection {
    let mut selection = Selection::default();
    let mut newest: BTreeMap<&str, (&BaseFile, Commit)> = BTreeMap::new();
    let mut slices = 0;
    for file in files {
        let commit = timeline.commit_of(&file.instant);
        if commit == Commit::NotCommitted {
            selection.not_committed += 1;
            continue;
        }
        slices += 1;
        let slot = newest.entry(&file.file_id).or_insert((file, commit));
        if (&file.instant, &file.path) > (&slot.0.instant, &slot.0.path) {
            *slot = (file, commit);
        }
    }
    selection.older_slices = slices - newest.len();
    for (file_id, (file, commit)) in newest {
        if replaced.contains(file_id) {
            selection.replaced_groups += 1;
            continue;
        }
        if commit == Commit::Archived {
            selection.archived += 1;
        }
        selection.live.push(file.clone());
    }
    selection
}

/// Decodes `%XX` escapes in a partition path and keeps anything else: Hive's
/// `FileUtils.unescapePathName`, which Hudi's sync applies too
/// (`PartitionPathEncodeUtils.unescapePathName`) to tables written with URL-encoded partition
/// paths.
pub fn unescape_path_name(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A partition folder's values, as the partition value extractor Hudi's sync picks by default
/// (`HoodieSyncConfig.META_SYNC_PARTITION_EXTRACTOR_CLASS`) extracts them: one key and hive
/// style → the text after `=` (`HiveStylePartitionValueExtractor`); one key otherwise → the
/// whole folder, `/` included (`SinglePartPartitionValueExtractor`); several keys → each
/// folder level, after its `=` if it has one (`MultiPartKeysValueExtractor`). `None` when the
/// folder does not give one value per key.
pub(crate) fn partition_values(
    folder: &str,
    keys: usize,
    hive_style: bool,
    url_encoded: bool,
) -> Option<Vec<String>> {
    let folder = if url_encoded {
        unescape_path_name(folder)
    } else {
        folder.to_string()
    };
    if keys == 0 || folder.is_empty() {
        return None;
    }
    if keys == 1 {
        if hive_style {
            let (_, value) = folder.split_once('=')?;
            return (!value.contains('=')).then(|| vec![value.to_string()]);
        }
        return Some(vec![folder]);
    }
    let values: Vec<String> = folder
        .split('/')
        .map(|level| match level.split_once('=') {
            Some((_, value)) => value.to_string(),
            None => level.to_string(),
        })
        .collect();
    (values.len() == keys).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_and_log_file_names() {
        let cases = [
            (
                "97de74b1-2a8e-4bb7-874c-0a74e1f42a77-0_0-119-166_20240418172804498.parquet",
                Some((
                    "97de74b1-2a8e-4bb7-874c-0a74e1f42a77-0",
                    "0-119-166",
                    "20240418172804498",
                )),
            ),
            (
                "a_1-2-3_20240101120000.orc",
                Some(("a", "1-2-3", "20240101120000")),
            ),
            ("a_1_20240101.parquet.crc", Some(("a", "1", "20240101"))),
            ("a_1_2024x.parquet", None),
            ("a_1_.parquet", None),
            ("_1_2024.parquet", None),
            ("part-0000.parquet", None),
            ("a_1.parquet", None),
            (
                ".26e33b7b-0_20250121000547796.log.1_0-33-47",
                None, // a log file, hidden, never a base file
            ),
        ];
        for (name, expected) in cases {
            assert_eq!(parse_base_file_name(name), expected, "{name}");
        }
        assert_eq!(
            parse_log_file_name(".26e33b7b-aa9f-0_20250121000547796.log.1_0-33-47"),
            Some("26e33b7b-aa9f-0")
        );
        assert_eq!(parse_log_file_name(".hoodie_partition_metadata"), None);
        assert_eq!(parse_log_file_name("a_1_2.parquet"), None);
    }

    #[test]
    fn listing_is_sorted_into_folders() {
        let mut files = Files::default();
        let objects = [
            (".hoodie/hoodie.properties", 10),
            (".hoodie/20240101.commit", 10),
            (".hoodie/timeline/20240101_20240102.commit", 10),
            (".hoodie/metadata/files/a_1_20240101.hfile", 10),
            (".hoodie/.temp/x/a_1_20240101.parquet", 10),
            ("10/.hoodie_partition_metadata", 96),
            ("10/a_0-1-2_20240101.parquet", 100),
            ("10/a_0-1-3_20240102.parquet", 110),
            ("10/.a_20240101.log.1_0-1-2", 7),
            ("10/.DS_Store", 6148),
            ("10/notes.txt", 3),
            ("20/.hoodie_partition_metadata", 96),
            ("_temporary/0/b_1_20240101.parquet", 100),
            ("__HIVE_DEFAULT_PARTITION__/c_1_20240101.parquet", 100),
            ("d_1_20240101.parquet", 100),
        ];
        for (path, size) in objects {
            files.add(path, size, ".parquet");
        }
        let folders: Vec<_> = files.folders.keys().map(String::as_str).collect();
        assert_eq!(folders, ["", "10", "20", "__HIVE_DEFAULT_PARTITION__"]);
        let ten = &files.folders["10"];
        assert_eq!(ten.base_files.len(), 2);
        assert_eq!((ten.log_files, ten.log_bytes), (1, 7));
        assert!(files.folders["20"].base_files.is_empty());
        assert_eq!(files.other_files, 1);
    }

    fn base(path: &str) -> BaseFile {
        let name = path.rsplit('/').next().unwrap_or(path);
        let (file_id, _, instant) = parse_base_file_name(name).unwrap_or_default();
        BaseFile {
            path: path.to_string(),
            file_id: file_id.to_string(),
            instant: instant.to_string(),
            size: 1,
        }
    }

    #[test]
    fn live_slices() {
        // Instants: 001 archived (before the timeline), 002 and 004 completed, 003 inflight,
        // 005 rolled back (absent from the timeline, after its start).
        let timeline = Timeline::from_names([
            "002.commit",
            "003.commit.requested",
            "003.inflight",
            "004.replacecommit",
        ]);
        let files = [
            base("p/a_0_001.parquet"),
            base("p/a_0_002.parquet"),
            base("p/a_0_003.parquet"),
            base("p/b_0_001.parquet"),
            base("p/c_0_003.parquet"),
            base("p/d_0_002.parquet"),
            base("p/d_0_004.parquet"),
            base("p/e_0_005.parquet"),
            base("p/f_0_002.parquet"),
        ];
        let replaced = BTreeSet::from(["f".to_string()]);
        let selection = select_live(&files, &timeline, &replaced);
        let live: Vec<_> = selection.live.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            live,
            [
                "p/a_0_002.parquet",
                "p/b_0_001.parquet",
                "p/d_0_004.parquet"
            ]
        );
        assert_eq!(selection.not_committed, 3);
        assert_eq!(selection.archived, 1);
        assert_eq!(selection.replaced_groups, 1);
        assert_eq!(selection.older_slices, 2);

        // Nothing committed: nothing live.
        let empty = select_live(&files, &Timeline::default(), &BTreeSet::new());
        assert!(empty.live.is_empty());
        assert_eq!(empty.not_committed, files.len());
    }

    #[test]
    fn partition_values_as_hudi_sync_extracts_them() {
        // Folder, keys, hive style, URL-encoded, values.
        type Case<'a> = (&'a str, usize, bool, bool, Option<Vec<&'a str>>);
        let cases: [Case<'_>; 11] = [
            ("10", 1, false, false, Some(vec!["10"])),
            ("2024/01/02", 1, false, false, Some(vec!["2024/01/02"])),
            ("region=eu", 1, true, false, Some(vec!["eu"])),
            ("eu", 1, true, false, None),
            (
                "byteField=10/shortField=300",
                2,
                true,
                false,
                Some(vec!["10", "300"]),
            ),
            ("10/300", 2, false, false, Some(vec!["10", "300"])),
            ("10", 2, false, false, None),
            ("", 1, false, false, None),
            ("x", 0, false, false, None),
            (
                "city=S%C3%A3o%20Paulo",
                1,
                true,
                true,
                Some(vec!["São Paulo"]),
            ),
            ("a%2Fb", 1, false, true, Some(vec!["a/b"])),
        ];
        for (folder, keys, hive, encoded, expected) in cases {
            let expected = expected.map(|v| v.into_iter().map(String::from).collect::<Vec<_>>());
            assert_eq!(
                partition_values(folder, keys, hive, encoded),
                expected,
                "{folder}"
            );
        }
        assert_eq!(unescape_path_name("100%"), "100%");
        assert_eq!(unescape_path_name("%zz%4"), "%zz%4");
    }
}
