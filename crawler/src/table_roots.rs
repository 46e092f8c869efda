//! Finding the roots of open-format tables (Delta Lake, Iceberg, Hudi) while a target is
//! listed. A root is known from one of its metadata objects' names
//! ([`lakecat_table_formats::recognize`]); from then on, every object below it belongs to
//! that table and is not read as a loose file. Objects read before their root was known
//! are dropped after the scan (`root_of`), so the tables found never depend on the
//! listing's order, only the work wasted does.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use lakecat_table_formats::{TableFormat, recognize};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

use crate::error::Result;

/// An open-format table's root found in a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundRoot {
    /// The table's format.
    pub format: TableFormat,
    /// Objects listed below the root (data and metadata), none of which was read as a file.
    pub objects: u64,
}

/// Objects of a `metadata/` folder looked at for an Iceberg marker: one listing page.
const PROBE_OBJECTS: usize = 1000;

/// Collects the roots of one target's listing.
pub(crate) struct RootFinder {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    state: Mutex<FinderState>,
}

#[derive(Default)]
struct FinderState {
    roots: BTreeMap<String, FoundRoot>,
    /// Folders whose `metadata/` sibling was looked at.
    probed: HashSet<String>,
}

impl RootFinder {
    /// A finder for a listing of `prefix` in `store`.
    pub(crate) fn new(store: Arc<dyn ObjectStore>, prefix: Path) -> RootFinder {
        RootFinder {
            store,
            prefix,
            state: Mutex::new(FinderState::default()),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut FinderState) -> T) -> T {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut state)
    }

    /// Passes `listed` through; first, for the first object seen inside a folder named
    /// `data`, looks for Iceberg metadata in the `metadata/` folder beside it. Listings
    /// return `data/` before `metadata/` (byte order), so without this every data file of
    /// an Iceberg table would be read before its root was known. Costs one listing request
    /// per folder holding a `data` folder, in any lake.
    pub(crate) async fn look_beside(
        &self,
        listed: Result<ObjectMeta>,
        prefix_len: usize,
    ) -> Result<ObjectMeta> {
        let Ok(meta) = &listed else { return listed };
        let relative = meta.location.as_ref().get(prefix_len..).unwrap_or_default();
        let Some(parent) = parent_of_data_folder(relative) else {
            return listed;
        };
        if !self.with(|s| s.probed.insert(parent.to_string())) {
            return listed;
        }
        let metadata = if parent.is_empty() {
            "metadata".to_string()
        } else {
            format!("{parent}/metadata")
        };
        let path = if self.prefix.as_ref().is_empty() {
            Path::from(metadata.as_str())
        } else {
            Path::from(format!("{}/{metadata}", self.prefix.as_ref()))
        };
        // A failed look costs only the shortcut: the listing finds the marker later anyway.
        let mut objects = self.store.list(Some(&path)).take(PROBE_OBJECTS);
        while let Some(Ok(object)) = objects.next().await {
            let name = object.location.filename().unwrap_or_default();
            let marker_path = format!("{metadata}/{name}");
            if let Some(marker) = recognize(&marker_path)
                && marker.format == TableFormat::Iceberg
            {
                let root = marker.root.to_string();
                self.with(|s| {
                    s.roots.entry(root).or_insert(FoundRoot {
                        format: TableFormat::Iceberg,
                        objects: 0,
                    });
                });
                break;
            }
        }
        listed
    }

    /// When the object at `relative` marks a table's root or lies below a known root, claims
    /// it for that table and says why it is not read; `None` for any other object.
    pub(crate) fn claim(&self, relative: &str) -> Option<String> {
        let marker = recognize(relative);
        self.with(|s| {
            let folder = relative.rsplit_once('/').map_or("", |(folder, _)| folder);
            if let Some(root) = root_of(&s.roots, folder) {
                let root = root.to_string();
                let found = s.roots.get_mut(&root)?;
                found.objects += 1;
                return Some(format!(
                    "part of the {} table at {}: read from its metadata",
                    found.format,
                    shown(&root)
                ));
            }
            let marker = marker?;
            s.roots.insert(
                marker.root.to_string(),
                FoundRoot {
                    format: marker.format,
                    objects: 1,
                },
            );
            Some(format!(
                "metadata of the {} table at {}",
                marker.format,
                shown(marker.root)
            ))
        })
    }

    /// The roots found, a root found inside another one left out (its objects are the outer
    /// table's).
    pub(crate) fn take_roots(&self) -> BTreeMap<String, FoundRoot> {
        let mut roots = self.with(|s| std::mem::take(&mut s.roots));
        let nested: Vec<(String, u64)> = roots
            .iter()
            .filter(|(path, _)| outer_root(&roots, path).is_some())
            .map(|(path, found)| (path.clone(), found.objects))
            .collect();
        for (path, objects) in nested {
            roots.remove(&path);
            if let Some(outer) = root_of(&roots, &path).map(str::to_string)
                && let Some(found) = roots.get_mut(&outer)
            {
                found.objects += objects;
            }
        }
        roots
    }
}

/// A root for messages: `sales/`, or `./` for the target itself.
fn shown(root: &str) -> String {
    if root.is_empty() {
        "./".into()
    } else {
        format!("{root}/")
    }
}

/// The shallowest root at or above `folder` (a path relative to the target, `""` for the
/// target itself).
pub(crate) fn root_of<'a>(roots: &'a BTreeMap<String, FoundRoot>, folder: &str) -> Option<&'a str> {
    if roots.is_empty() {
        return None;
    }
    if let Some((root, _)) = roots.get_key_value("") {
        return Some(root);
    }
    let mut end = 0;
    loop {
        let next = folder[end..].find('/').map(|i| end + i);
        let candidate = &folder[..next.unwrap_or(folder.len())];
        if let Some((root, _)) = roots.get_key_value(candidate) {
            return Some(root);
        }
        match next {
            Some(slash) => end = slash + 1,
            None => return None,
        }
    }
}

/// The shallowest root strictly above `root`.
fn outer_root<'a>(roots: &'a BTreeMap<String, FoundRoot>, root: &str) -> Option<&'a str> {
    if root.is_empty() {
        return None;
    }
    let parent = root.rsplit_once('/').map_or("", |(parent, _)| parent);
    if parent.is_empty() {
        return roots.get_key_value("").map(|(root, _)| root.as_str());
    }
    root_of(roots, parent)
}

/// The folder holding the first `data` folder on the path of the object at `relative`:
/// where an Iceberg table's `metadata/` would be.
fn parent_of_data_folder(relative: &str) -> Option<&str> {
    let folder = relative.rsplit_once('/')?.0;
    let mut start = 0;
    for part in folder.split('/') {
        if part == "data" {
            return Some(folder[..start].trim_end_matches('/'));
        }
        start += part.len() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots(paths: &[&str]) -> BTreeMap<String, FoundRoot> {
        paths
            .iter()
            .map(|p| {
                (
                    p.to_string(),
                    FoundRoot {
                        format: TableFormat::Delta,
                        objects: 0,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn folders_belong_to_the_shallowest_root_above_them() {
        let known = roots(&["lake/sales", "lake/wh/db/t"]);
        let cases = [
            ("lake/sales", Some("lake/sales")),
            ("lake/sales/region=eu", Some("lake/sales")),
            ("lake/wh/db/t/data/x=1", Some("lake/wh/db/t")),
            ("lake/sales_old", None),
            ("lake/wh/db", None),
            ("lake", None),
            ("", None),
        ];
        for (folder, expected) in cases {
            assert_eq!(root_of(&known, folder), expected, "{folder}");
        }
        let whole = roots(&[""]);
        assert_eq!(root_of(&whole, "a/b"), Some(""));
        assert_eq!(root_of(&BTreeMap::new(), "a"), None);
    }

    #[test]
    fn data_folders_point_at_where_iceberg_metadata_would_be() {
        let cases = [
            ("wh/db/t/data/region=eu/f.parquet", Some("wh/db/t")),
            ("t/data/f.parquet", Some("t")),
            ("data/f.parquet", Some("")),
            ("t/data", None),
            ("t/metadata/v1.metadata.json", None),
            ("f.parquet", None),
            ("a/data/b/data/f.parquet", Some("a")),
        ];
        for (path, expected) in cases {
            assert_eq!(parent_of_data_folder(path), expected, "{path}");
        }
    }

    #[test]
    fn objects_below_a_root_are_claimed_and_nested_roots_fold_into_the_outer_one() {
        let store: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
        let finder = RootFinder::new(store, Path::default());
        assert!(finder.claim("clicks/dt=1/part-0.parquet").is_none());
        // A data file listed before its table's log is not claimed yet (dropped later).
        assert!(finder.claim("sales/region=eu/part-0.parquet").is_none());
        let reason = finder.claim("sales/_delta_log/00000000000000000000.json");
        assert_eq!(
            reason.as_deref(),
            Some("metadata of the Delta Lake table at sales/")
        );
        let reason = finder.claim("sales/region=us/part-1.parquet");
        assert_eq!(
            reason.as_deref(),
            Some("part of the Delta Lake table at sales/: read from its metadata")
        );
        // An Iceberg table found first inside a folder that later shows a Delta log.
        assert!(
            finder
                .claim("outer/inner/metadata/v1.metadata.json")
                .is_some()
        );
        assert!(
            finder
                .claim("outer/_delta_log/00000000000000000000.json")
                .is_some()
        );
        let found = finder.take_roots();
        let summary: Vec<(&str, TableFormat, u64)> = found
            .iter()
            .map(|(path, root)| (path.as_str(), root.format, root.objects))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("outer", TableFormat::Delta, 2),
                ("sales", TableFormat::Delta, 2),
            ]
        );
    }
}
