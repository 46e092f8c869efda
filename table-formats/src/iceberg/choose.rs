//! Which `metadata/*.metadata.json` file is the table's current one, found without a catalog.
//!
//! A catalog (Glue, a SQL catalog, a REST server) holds the pointer to the current file; a
//! crawl has only the folder. The spec's two naming schemes give the order: `v<N>` for
//! file-system tables ("File System Tables", where `version-hint.text` names `N`) and
//! `<NNNNN>-<uuid>` for metastore tables ("Metastore Tables"), each also with the gzip forms
//! `.gz.metadata.json` and `.metadata.json.gz`. Only the metadata folder is listed, never
//! the data.

use std::collections::{BTreeMap, BTreeSet};

use object_store::ObjectStoreExt;
use object_store::path::Path;

use super::metadata::{self, TableMetadata};
use crate::{TableFormat, TableFormatError, TableRoot};

/// The version hint's file name (spec "File System Tables").
const VERSION_HINT: &str = "version-hint.text";

/// The current metadata file, parsed, and what was noticed on the way.
#[derive(Debug)]
pub(super) struct Chosen {
    /// Its file name in `metadata/`.
    pub(super) name: String,
    /// Its content.
    pub(super) metadata: TableMetadata,
    /// Other parsable files with the same version number (a lost commit's orphans).
    pub(super) rivals: Vec<String>,
    /// Files skipped, hints not followed, orphans: for the run record.
    pub(super) notes: Vec<String>,
}

/// Finds, reads and parses the current metadata file of the table at `root`.
pub(super) async fn choose(root: &TableRoot) -> Result<Chosen, TableFormatError> {
    let folder = root.child("metadata");
    let folder_url = format!("{}metadata/", with_slash(&root.url));
    let listing = root
        .store
        .list_with_delimiter(Some(&folder))
        .await
        .map_err(|error| TableFormatError::read(&folder_url, &error))?;
    let names: Vec<String> = listing
        .objects
        .iter()
        .filter_map(|object| object.location.filename().map(str::to_string))
        .collect();

    let mut notes = Vec::new();
    let hint = if names.iter().any(|name| name == VERSION_HINT) {
        read_object(root, &folder, VERSION_HINT, &folder_url, &mut notes)
            .await?
            .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
    } else {
        None
    };
    let plan = plan(&names, hint.as_deref(), &mut notes);
    if plan.groups.is_empty() {
        return Err(TableFormatError::NotATable {
            root: with_slash(&root.url),
            format: TableFormat::Iceberg.display_name(),
            message: "metadata/ holds no versioned *.metadata.json file".to_string(),
        });
    }

    // The newest file that failed to parse, for the error when nothing parses.
    let mut first_failure: Option<(String, String)> = None;
    for group in &plan.groups {
        let mut parsed = Vec::new();
        for name in group {
            let Some(bytes) = read_object(root, &folder, name, &folder_url, &mut notes).await?
            else {
                continue;
            };
            match metadata::parse(&bytes) {
                Ok(metadata) => parsed.push((name.clone(), metadata)),
                Err(error) => {
                    notes.push(format!(
                        "skipped metadata/{name}: it does not parse (half-written?): {error}"
                    ));
                    first_failure.get_or_insert_with(|| (name.clone(), error));
                }
            }
        }
        if let Some((name, metadata, rivals)) =
            resolve(parsed, plan.preferred.as_deref(), &mut notes)
        {
            return Ok(Chosen {
                name,
                metadata,
                rivals,
                notes,
            });
        }
    }
    match first_failure {
        Some((name, message)) => Err(TableFormatError::Invalid {
            path: format!("{folder_url}{name}"),
            format: TableFormat::Iceberg.display_name(),
            message,
        }),
        None => Err(TableFormatError::NotATable {
            root: with_slash(&root.url),
            format: TableFormat::Iceberg.display_name(),
            message: "every metadata file listed was gone when read".to_string(),
        }),
    }
}

/// Reads `metadata/<name>`; `None`, with a note, when it was deleted since the listing
/// (expired metadata files are removed by the table's writers at any time).
async fn read_object(
    root: &TableRoot,
    folder: &Path,
    name: &str,
    folder_url: &str,
    notes: &mut Vec<String>,
) -> Result<Option<bytes::Bytes>, TableFormatError> {
    let path = folder.clone().join(name);
    let url = format!("{folder_url}{name}");
    let result = match root.store.get(&path).await {
        Ok(result) => result,
        Err(object_store::Error::NotFound { .. }) => {
            notes.push(format!(
                "skipped metadata/{name}: deleted after the listing"
            ));
            return Ok(None);
        }
        Err(error) => return Err(TableFormatError::read(&url, &error)),
    };
    match result.bytes().await {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) => Err(TableFormatError::read(&url, &error)),
    }
}

/// `url` ending with exactly one `/`.
pub(super) fn with_slash(url: &str) -> String {
    format!("{}/", url.trim_end_matches('/'))
}

/// The name without its metadata suffix (`v3`, `00003-<uuid>`), if it is a metadata file.
fn stem(name: &str) -> Option<&str> {
    name.strip_suffix(".metadata.json.gz")
        .or_else(|| name.strip_suffix(".gz.metadata.json"))
        .or_else(|| name.strip_suffix(".metadata.json"))
}

/// The version number a metadata file's name carries: `v<N>…` or `<N>-<anything>…`.
pub(super) fn version_of(name: &str) -> Option<u64> {
    let stem = stem(name)?;
    let digits = match stem.strip_prefix('v') {
        Some(digits) => digits,
        None => {
            let (digits, rest) = stem.split_once('-')?;
            if rest.is_empty() {
                return None;
            }
            digits
        }
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The order in which to try the metadata files.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    /// File names by version, newest first; each group shares a version number. A group is
    /// tried only when no file of the groups before it parses.
    groups: Vec<Vec<String>>,
    /// The file the version hint names, preferred within its group.
    preferred: Option<String>,
}

/// Orders the listed `names` given the version hint's content, if any.
fn plan(names: &[String], hint: Option<&str>, notes: &mut Vec<String>) -> Plan {
    let mut by_version: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut unversioned = Vec::new();
    for name in names {
        match version_of(name) {
            Some(version) => by_version.entry(version).or_default().push(name.clone()),
            None if stem(name).is_some() => unversioned.push(name.as_str()),
            None => {}
        }
    }
    if !unversioned.is_empty() {
        notes.push(format!(
            "ignored metadata files whose names carry no version number: {}",
            unversioned.join(", ")
        ));
    }
    let Some(&highest) = by_version.keys().next_back() else {
        return Plan {
            groups: Vec::new(),
            preferred: None,
        };
    };

    let mut preferred = None;
    let start = match hint.map(|hint| hinted_version(hint, &by_version)) {
        None => highest,
        Some(Hinted::Unreadable(text)) => {
            notes.push(format!(
                "metadata/{VERSION_HINT} holds `{text}`, which names no version: took the \
                 highest version instead"
            ));
            highest
        }
        Some(Hinted::Missing(text)) => {
            notes.push(format!(
                "metadata/{VERSION_HINT} names `{text}`, which is not in metadata/: took the \
                 highest version instead"
            ));
            highest
        }
        Some(Hinted::Found(version, name)) => {
            preferred = name;
            // The hint is written after the metadata file, so it can lag behind; Iceberg's
            // own file-system tables (Java's HadoopTableOperations) step on while the next
            // version exists, and so does this.
            let mut start = version;
            while by_version.contains_key(&(start + 1)) {
                start += 1;
            }
            if start != version {
                preferred = None;
                notes.push(format!(
                    "metadata/{VERSION_HINT} names version {version} but versions up to {start} \
                     follow it: took {start} (the hint lags behind)"
                ));
            }
            let beyond: Vec<&str> = by_version
                .range(start + 1..)
                .flat_map(|(_, names)| names.iter().map(String::as_str))
                .collect();
            if !beyond.is_empty() {
                notes.push(format!(
                    "ignored metadata files newer than version {start} with a gap before them \
                     (not reached from {VERSION_HINT}): {}",
                    beyond.join(", ")
                ));
            }
            start
        }
    };
    let groups = by_version
        .range(..=start)
        .rev()
        .map(|(_, names)| {
            let mut names = names.clone();
            names.sort();
            names
        })
        .collect();
    Plan { groups, preferred }
}

/// What the version hint points at.
#[derive(Debug)]
enum Hinted {
    /// A version present in the listing, and the file when the hint names one.
    Found(u64, Option<String>),
    /// Text that names no version.
    Unreadable(String),
    /// A version or file not in the listing.
    Missing(String),
}

/// Reads the hint: a version number (Java, PyIceberg) or, from some writers, a file name or
/// its stem (`00003-<uuid>`, `v3`), possibly with a path before it.
fn hinted_version(hint: &str, by_version: &BTreeMap<u64, Vec<String>>) -> Hinted {
    if hint.is_empty() {
        return Hinted::Unreadable(hint.to_string());
    }
    if hint.bytes().all(|b| b.is_ascii_digit()) {
        return match hint.parse::<u64>() {
            Ok(version) if by_version.contains_key(&version) => Hinted::Found(version, None),
            Ok(_) => Hinted::Missing(hint.to_string()),
            Err(_) => Hinted::Unreadable(hint.to_string()),
        };
    }
    let last = hint.rsplit('/').next().unwrap_or(hint);
    for (version, names) in by_version {
        if let Some(name) = names
            .iter()
            .find(|name| name.as_str() == last || stem(name) == Some(last))
        {
            return Hinted::Found(*version, Some(name.clone()));
        }
    }
    Hinted::Missing(hint.to_string())
}

/// Picks one of several parsed files sharing the newest version number. Only one writer can
/// have won the catalog's swap, so the others are orphans of lost commits; without the
/// catalog the best evidence is, in order: the file the hint names; the file whose
/// `metadata-log` lists all the others (it was written after them); the highest
/// `last-sequence-number`; the newest `last-updated-ms`. Returns the name, the metadata and
/// the other names; `None` for no files.
fn resolve(
    mut parsed: Vec<(String, TableMetadata)>,
    preferred: Option<&str>,
    notes: &mut Vec<String>,
) -> Option<(String, TableMetadata, Vec<String>)> {
    if parsed.len() > 1 {
        let (index, reason) = pick(&parsed, preferred);
        let (name, metadata) = parsed.swap_remove(index);
        let mut rivals: Vec<String> = parsed.into_iter().map(|(name, _)| name).collect();
        rivals.sort();
        notes.push(format!(
            "{} metadata files share version {}: took {name} ({reason}); the others may be \
             orphans of a lost commit: {}",
            rivals.len() + 1,
            version_of(&name).unwrap_or_default(),
            rivals.join(", ")
        ));
        return Some((name, metadata, rivals));
    }
    parsed
        .pop()
        .map(|(name, metadata)| (name, metadata, Vec::new()))
}

/// The index of the file to take and why.
fn pick(parsed: &[(String, TableMetadata)], preferred: Option<&str>) -> (usize, &'static str) {
    if let Some(index) = parsed
        .iter()
        .position(|(name, _)| Some(name.as_str()) == preferred)
    {
        return (index, "named by the version hint");
    }
    // Files that no other file of the group lists as its ancestor.
    let listed: BTreeSet<usize> = parsed
        .iter()
        .enumerate()
        .filter(|(index, (name, _))| {
            parsed.iter().enumerate().any(|(other, (_, metadata))| {
                other != *index
                    && metadata
                        .log_files()
                        .iter()
                        .any(|file| file.rsplit('/').next() == Some(name.as_str()))
            })
        })
        .map(|(index, _)| index)
        .collect();
    let heads: Vec<usize> = (0..parsed.len())
        .filter(|index| !listed.contains(index))
        .collect();
    if let [head] = heads.as_slice() {
        return (*head, "its metadata-log lists the others");
    }
    let candidates = if heads.is_empty() {
        (0..parsed.len()).collect()
    } else {
        heads
    };
    let sequence = |index: &usize| parsed[*index].1.last_sequence_number.unwrap_or(0);
    if let Some(highest) = candidates.iter().map(sequence).max()
        && candidates.iter().filter(|i| sequence(i) == highest).count() == 1
        && let Some(index) = candidates.iter().find(|i| sequence(i) == highest)
    {
        return (*index, "highest last-sequence-number");
    }
    // Newest `last-updated-ms`; ties (and files without it) by name, for a stable answer.
    let newest = candidates
        .iter()
        .copied()
        .max_by(|a, b| {
            let key = |index: usize| (parsed[index].1.last_updated_ms, &parsed[index].0);
            key(*a).cmp(&key(*b))
        })
        .unwrap_or_default();
    (newest, "newest last-updated-ms")
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Arc;

    use object_store::memory::InMemory;
    use object_store::{ObjectStore, PutPayload};

    use super::*;

    #[test]
    fn versions_come_from_both_naming_schemes_and_gzip_forms() {
        let cases = [
            ("v1.metadata.json", Some(1)),
            ("v12.gz.metadata.json", Some(12)),
            ("v12.metadata.json.gz", Some(12)),
            (
                "00004-6f1c0a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f.metadata.json",
                Some(4),
            ),
            ("00004-6f1c0a9e.gz.metadata.json", Some(4)),
            ("00010-x.metadata.json.gz", Some(10)),
            ("4-x.metadata.json", Some(4)),
            ("metadata.json", None),
            ("current.metadata.json", None),
            ("v.metadata.json", None),
            ("vx.metadata.json", None),
            ("00004-.metadata.json", None),
            ("00004.metadata.json", None),
            ("v3.metadata.jsonx", None),
            ("snap-1-1-abc.avro", None),
            ("version-hint.text", None),
            ("99999999999999999999999-x.metadata.json", None),
        ];
        for (name, expected) in cases {
            assert_eq!(version_of(name), expected, "{name}");
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| name.to_string()).collect()
    }

    fn groups(list: &[&[&str]]) -> Vec<Vec<String>> {
        list.iter().map(|group| names(group)).collect()
    }

    /// (listing, hint, groups to try in order, preferred, notes expected)
    type PlanCase<'a> = (
        &'a [&'a str],
        Option<&'a str>,
        Vec<Vec<String>>,
        Option<&'a str>,
        usize,
    );

    #[test]
    fn plans_follow_the_hint_or_the_highest_version() {
        let listing = [
            "v1.metadata.json",
            "v2.metadata.json",
            "v3.gz.metadata.json",
            "version-hint.text",
            "snap-1.avro",
        ];
        let cases: [PlanCase<'_>; 11] = [
            (
                &listing,
                None,
                groups(&[
                    &["v3.gz.metadata.json"],
                    &["v2.metadata.json"],
                    &["v1.metadata.json"],
                ]),
                None,
                0,
            ),
            (
                &listing,
                Some("2"),
                // Version 3 follows 2: the hint lags.
                groups(&[
                    &["v3.gz.metadata.json"],
                    &["v2.metadata.json"],
                    &["v1.metadata.json"],
                ]),
                None,
                1,
            ),
            (
                &["v1.metadata.json", "v2.metadata.json", "v5.metadata.json"],
                Some("2"),
                groups(&[&["v2.metadata.json"], &["v1.metadata.json"]]),
                None,
                1,
            ),
            (
                &listing,
                Some("3"),
                groups(&[
                    &["v3.gz.metadata.json"],
                    &["v2.metadata.json"],
                    &["v1.metadata.json"],
                ]),
                None,
                0,
            ),
            (
                &listing,
                Some("9"),
                groups(&[
                    &["v3.gz.metadata.json"],
                    &["v2.metadata.json"],
                    &["v1.metadata.json"],
                ]),
                None,
                1,
            ),
            (
                &listing,
                Some("garbage!"),
                groups(&[
                    &["v3.gz.metadata.json"],
                    &["v2.metadata.json"],
                    &["v1.metadata.json"],
                ]),
                None,
                1,
            ),
            (
                &[
                    "00001-a.metadata.json",
                    "00002-b.metadata.json",
                    "00002-c.metadata.json",
                ],
                Some("00002-c"),
                groups(&[
                    &["00002-b.metadata.json", "00002-c.metadata.json"],
                    &["00001-a.metadata.json"],
                ]),
                Some("00002-c.metadata.json"),
                0,
            ),
            (
                &["00001-a.metadata.json", "00002-b.metadata.json"],
                Some("s3://bucket/t/metadata/00001-a.metadata.json"),
                // The hint names a whole URL; version 2 follows the file it names.
                groups(&[&["00002-b.metadata.json"], &["00001-a.metadata.json"]]),
                None,
                1,
            ),
            (
                &[
                    "00000-a.metadata.json",
                    "00001-b.metadata.json.gz",
                    "00001-c.gz.metadata.json",
                    "00003-d.metadata.json",
                    "notes.metadata.json",
                    "x-m0.avro",
                ],
                None,
                groups(&[
                    &["00003-d.metadata.json"],
                    &["00001-b.metadata.json.gz", "00001-c.gz.metadata.json"],
                    &["00000-a.metadata.json"],
                ]),
                None,
                1,
            ),
            (
                &["version-hint.text", "snap.avro"],
                Some("1"),
                groups(&[]),
                None,
                0,
            ),
            (&[], None, groups(&[]), None, 0),
        ];
        for (listing, hint, expected, preferred, note_count) in cases {
            let mut notes = Vec::new();
            let found = plan(&names(listing), hint, &mut notes);
            assert_eq!(found.groups, expected, "{listing:?} {hint:?}");
            assert_eq!(
                found.preferred.as_deref(),
                preferred,
                "{listing:?} {hint:?}"
            );
            assert_eq!(notes.len(), note_count, "{listing:?} {hint:?}: {notes:?}");
        }
    }

    fn metadata(json: &str) -> TableMetadata {
        metadata::parse(json.as_bytes()).unwrap()
    }

    #[test]
    fn same_version_files_are_told_apart() {
        let log_of = |names: &[&str]| {
            let entries: Vec<String> = names
                .iter()
                .map(|name| {
                    format!(r#"{{"metadata-file": "s3://b/t/metadata/{name}", "timestamp-ms": 1}}"#)
                })
                .collect();
            entries.join(",")
        };
        // (files as (name, last-sequence-number, last-updated-ms, log), preferred, expected)
        type Case<'a> = (
            &'a [(&'a str, i64, i64, &'a [&'a str])],
            Option<&'a str>,
            &'a str,
        );
        let cases: [Case<'_>; 5] = [
            // b lists a: b descends from a, whatever the clocks say.
            (
                &[
                    ("00002-a.metadata.json", 2, 200, &[]),
                    ("00002-b.metadata.json", 2, 100, &["00002-a.metadata.json"]),
                ],
                None,
                "00002-b.metadata.json",
            ),
            // Siblings of one parent: the higher sequence number.
            (
                &[
                    ("00002-a.metadata.json", 3, 100, &["00001-p.metadata.json"]),
                    ("00002-b.metadata.json", 2, 200, &["00001-p.metadata.json"]),
                ],
                None,
                "00002-a.metadata.json",
            ),
            // Same sequence number: the newest last-updated-ms.
            (
                &[
                    ("00002-a.metadata.json", 2, 300, &[]),
                    ("00002-b.metadata.json", 2, 200, &[]),
                    ("00002-c.metadata.json", 2, 100, &[]),
                ],
                None,
                "00002-a.metadata.json",
            ),
            // The hint decides.
            (
                &[
                    ("00002-a.metadata.json", 9, 900, &[]),
                    ("00002-b.metadata.json", 2, 200, &[]),
                ],
                Some("00002-b.metadata.json"),
                "00002-b.metadata.json",
            ),
            // Each lists the other (nonsense): fall back to sequence numbers among all.
            (
                &[
                    ("00002-a.metadata.json", 1, 100, &["00002-b.metadata.json"]),
                    ("00002-b.metadata.json", 2, 50, &["00002-a.metadata.json"]),
                ],
                None,
                "00002-b.metadata.json",
            ),
        ];
        for (files, preferred, expected) in cases {
            let parsed: Vec<(String, TableMetadata)> = files
                .iter()
                .map(|(name, sequence, updated, log)| {
                    (
                        name.to_string(),
                        metadata(&format!(
                            r#"{{"format-version": 2, "last-sequence-number": {sequence},
                                "last-updated-ms": {updated}, "metadata-log": [{}]}}"#,
                            log_of(log)
                        )),
                    )
                })
                .collect();
            let mut notes = Vec::new();
            let (name, _, rivals) = resolve(parsed, preferred, &mut notes).unwrap();
            assert_eq!(name, expected);
            assert_eq!(rivals.len(), files.len() - 1);
            assert_eq!(notes.len(), 1, "{notes:?}");
            for rival in &rivals {
                assert!(notes[0].contains(rival.as_str()), "{notes:?}");
            }
        }
    }

    fn table(json: &str) -> String {
        format!(r#"{{"format-version": 2, "table-uuid": "u", "location": "s3://b/t", {json}}}"#)
    }

    async fn root_with(files: &[(&str, Vec<u8>)]) -> TableRoot {
        let store = Arc::new(InMemory::new());
        for (name, bytes) in files {
            store
                .put(
                    &Path::from(format!("lake/t/{name}")),
                    PutPayload::from(bytes.clone()),
                )
                .await
                .unwrap();
        }
        TableRoot {
            store: store as Arc<dyn ObjectStore>,
            path: Path::from("lake/t"),
            url: "s3://b/lake/t/".to_string(),
        }
    }

    fn gzip(text: &str) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(text.as_bytes()).unwrap();
        encoder.finish().unwrap()
    }

    #[tokio::test]
    async fn unparsable_newest_file_falls_back_to_the_next_version() {
        let root = root_with(&[
            (
                "metadata/00001-a.metadata.json",
                table(r#""last-sequence-number": 1"#).into_bytes(),
            ),
            (
                "metadata/00002-b.metadata.json.gz",
                gzip(&table(r#""last-sequence-number": 2"#)),
            ),
            // Half-written: the writer died mid-file.
            (
                "metadata/00003-c.metadata.json",
                br#"{"format-version": 2, "loc"#.to_vec(),
            ),
            // Data is never listed: a data file with a metadata-like name changes nothing.
            ("data/00009-z.metadata.json", b"{}".to_vec()),
        ])
        .await;
        let chosen = choose(&root).await.unwrap();
        assert_eq!(chosen.name, "00002-b.metadata.json.gz");
        assert_eq!(chosen.metadata.last_sequence_number, Some(2));
        assert!(chosen.rivals.is_empty());
        assert_eq!(chosen.notes.len(), 1, "{:?}", chosen.notes);
        assert!(chosen.notes[0].contains("00003-c.metadata.json"));
    }

    #[tokio::test]
    async fn version_hint_picks_the_file() {
        let root = root_with(&[
            (
                "metadata/v1.metadata.json",
                table(r#""last-sequence-number": 1"#).into_bytes(),
            ),
            (
                "metadata/v2.gz.metadata.json",
                gzip(&table(r#""last-sequence-number": 2"#)),
            ),
            (
                "metadata/v4.metadata.json",
                table(r#""last-sequence-number": 4"#).into_bytes(),
            ),
            ("metadata/version-hint.text", b"2\n".to_vec()),
        ])
        .await;
        let chosen = choose(&root).await.unwrap();
        assert_eq!(chosen.name, "v2.gz.metadata.json");
        assert!(
            chosen
                .notes
                .iter()
                .any(|note| note.contains("v4.metadata.json"))
        );
    }

    #[tokio::test]
    async fn same_version_orphans_are_reported() {
        let root = root_with(&[
            (
                "metadata/00001-a.metadata.json",
                table(r#""last-sequence-number": 1"#).into_bytes(),
            ),
            (
                "metadata/00002-b.metadata.json",
                table(r#""last-updated-ms": 5"#).into_bytes(),
            ),
            (
                "metadata/00002-c.metadata.json",
                table(r#""last-updated-ms": 7"#).into_bytes(),
            ),
        ])
        .await;
        let chosen = choose(&root).await.unwrap();
        assert_eq!(chosen.name, "00002-c.metadata.json");
        assert_eq!(chosen.rivals, ["00002-b.metadata.json"]);
    }

    #[tokio::test]
    async fn no_metadata_file_is_not_a_table_and_nothing_parsable_is_invalid() {
        let empty = root_with(&[("metadata/version-hint.text", b"1".to_vec())]).await;
        assert!(matches!(
            choose(&empty).await.unwrap_err(),
            TableFormatError::NotATable { .. }
        ));
        let nothing = root_with(&[]).await;
        assert!(matches!(
            choose(&nothing).await.unwrap_err(),
            TableFormatError::NotATable { .. }
        ));
        let broken = root_with(&[
            ("metadata/v1.metadata.json", b"{".to_vec()),
            ("metadata/v2.metadata.json", b"not json".to_vec()),
        ])
        .await;
        match choose(&broken).await.unwrap_err() {
            TableFormatError::Invalid { path, .. } => {
                assert_eq!(path, "s3://b/lake/t/metadata/v2.metadata.json");
            }
            other => panic!("{other:?}"),
        }
    }
}
