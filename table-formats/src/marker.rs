//! Recognizing a table's root from one listed object name.
//!
//! Every format keeps metadata under a fixed folder of the table's root, with names no
//! data file has: Delta's commits and checkpoints under `_delta_log/`, Hudi's
//! `.hoodie/hoodie.properties`, Iceberg's `metadata/*.metadata.json` and
//! `metadata/version-hint.text`. One such name is enough to know the root, so a crawl
//! learns it from the listing it makes anyway, at the cost of a string check per object.

use std::fmt;

/// An open table format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableFormat {
    /// Delta Lake (`_delta_log/`).
    Delta,
    /// Apache Iceberg (`metadata/*.metadata.json`).
    Iceberg,
    /// Apache Hudi (`.hoodie/hoodie.properties`).
    Hudi,
}

impl TableFormat {
    /// The format's name as people write it: `Delta Lake`, `Iceberg`, `Hudi`.
    pub fn display_name(self) -> &'static str {
        match self {
            TableFormat::Delta => "Delta Lake",
            TableFormat::Iceberg => "Iceberg",
            TableFormat::Hudi => "Hudi",
        }
    }

    /// The classification Glue writes: `delta`, `iceberg`, `hudi`.
    pub fn classification(self) -> &'static str {
        match self {
            TableFormat::Delta => "delta",
            TableFormat::Iceberg => "iceberg",
            TableFormat::Hudi => "hudi",
        }
    }

    /// The metadata folder that gave the format away, for explanations.
    pub fn metadata_folder(self) -> &'static str {
        match self {
            TableFormat::Delta => "_delta_log/",
            TableFormat::Iceberg => "metadata/",
            TableFormat::Hudi => ".hoodie/",
        }
    }
}

impl fmt::Display for TableFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// A listed object that marks a table's root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker<'a> {
    /// The table's format.
    pub format: TableFormat,
    /// The root folder, relative like the object's name (`""` when the listing's own folder
    /// is the root), without a trailing `/`.
    pub root: &'a str,
}

/// The table root that the object at `relative` (a path relative to a listing's folder,
/// `/`-separated) marks, if any.
///
/// A root whose own path has a hidden part (a segment starting with `_` or `.`) is no root:
/// that is metadata inside another table (Hudi's metadata table under `.hoodie/metadata/`,
/// Delta's `_delta_log/_sidecars/`), not a table of its own.
pub fn recognize(relative: &str) -> Option<Marker<'_>> {
    let (folder, name) = relative.rsplit_once('/')?;
    let (root, metadata_folder) = match folder.rsplit_once('/') {
        Some((root, last)) => (root, last),
        None => ("", folder),
    };
    let format = match metadata_folder {
        "_delta_log" if is_delta_log_entry(name) => TableFormat::Delta,
        ".hoodie" if name == "hoodie.properties" => TableFormat::Hudi,
        "metadata" if is_iceberg_metadata(name) => TableFormat::Iceberg,
        _ => return None,
    };
    if root
        .split('/')
        .any(|part| part.starts_with('_') || part.starts_with('.'))
    {
        return None;
    }
    Some(Marker { format, root })
}

/// A commit (`00000000000000000007.json`), a checkpoint part
/// (`00000000000000000010.checkpoint.parquet`, `….checkpoint.0000000001.0000000002.parquet`,
/// `….checkpoint.<uuid>.json`) or `_last_checkpoint`.
fn is_delta_log_entry(name: &str) -> bool {
    if name == "_last_checkpoint" {
        return true;
    }
    let Some((version, rest)) = name.split_once('.') else {
        return false;
    };
    version.len() == 20
        && version.bytes().all(|b| b.is_ascii_digit())
        && (rest == "json" || rest.starts_with("checkpoint."))
}

/// A table metadata file (`v3.metadata.json`, `00004-<uuid>.metadata.json`, their gzip
/// forms) or the version hint.
fn is_iceberg_metadata(name: &str) -> bool {
    name == "version-hint.text"
        || name.ends_with(".metadata.json")
        || name.ends_with(".metadata.json.gz")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_name_their_roots() {
        let cases: &[(&str, Option<(TableFormat, &str)>)] = &[
            (
                "sales/_delta_log/00000000000000000000.json",
                Some((TableFormat::Delta, "sales")),
            ),
            (
                "lake/sales/_delta_log/00000000000000000010.checkpoint.parquet",
                Some((TableFormat::Delta, "lake/sales")),
            ),
            (
                "sales/_delta_log/00000000000000000010.checkpoint.0000000001.0000000002.parquet",
                Some((TableFormat::Delta, "sales")),
            ),
            (
                "_delta_log/_last_checkpoint",
                Some((TableFormat::Delta, "")),
            ),
            ("sales/_delta_log/00000000000000000000.crc", None),
            ("sales/_delta_log/0000000000000000000.json", None),
            ("sales/_delta_log/_sidecars/abc.parquet", None),
            (
                "wh/db/t/metadata/00004-6f1c0a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f.metadata.json",
                Some((TableFormat::Iceberg, "wh/db/t")),
            ),
            (
                "t/metadata/v3.metadata.json",
                Some((TableFormat::Iceberg, "t")),
            ),
            (
                "t/metadata/v3.gz.metadata.json",
                Some((TableFormat::Iceberg, "t")),
            ),
            (
                "t/metadata/00001-x.metadata.json.gz",
                Some((TableFormat::Iceberg, "t")),
            ),
            (
                "t/metadata/version-hint.text",
                Some((TableFormat::Iceberg, "t")),
            ),
            ("t/metadata/snap-1-1-abc.avro", None),
            ("t/metadata/abc-m0.avro", None),
            (
                "metadata/v1.metadata.json",
                Some((TableFormat::Iceberg, "")),
            ),
            (
                "trips/.hoodie/hoodie.properties",
                Some((TableFormat::Hudi, "trips")),
            ),
            ("trips/.hoodie/metadata/.hoodie/hoodie.properties", None),
            ("trips/.hoodie/20240101.commit", None),
            ("trips/dt=1/part-0.parquet", None),
            ("hoodie.properties", None),
            ("_delta_log", None),
            ("x/_tmp/t/_delta_log/00000000000000000000.json", None),
        ];
        for (path, expected) in cases {
            let found = recognize(path).map(|m| (m.format, m.root));
            assert_eq!(found, *expected, "{path}");
        }
    }
}
