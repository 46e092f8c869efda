//! Allowed crawl roots: the object-store prefixes and local folders a server lets crawlers
//! read. A server that lists roots refuses any crawler whose target lies outside them, when
//! the crawler is created or changed and again each time it starts.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{CrawlError, Result};
use crate::location::to_url;

/// One allowed root.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Root {
    /// A local folder, canonical (symbolic links and `..` resolved).
    Folder(PathBuf),
    /// An object-store prefix, `scheme://authority/path/`, ending with `/`.
    Prefix(String),
}

/// The roots crawl targets must lie in; none means any target is allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedRoots {
    roots: Vec<Root>,
    /// The roots as configured, for messages.
    shown: Vec<String>,
}

/// `scheme://authority/path/` for an object-store URL, with `s3a` read as `s3`.
fn prefix_of(url: &url::Url) -> String {
    let scheme = match url.scheme() {
        "s3a" => "s3",
        other => other,
    };
    let path = url.path().trim_end_matches('/');
    format!("{scheme}://{}{path}/", url.authority())
}

impl AllowedRoots {
    /// Roots from URLs (`s3://lake-bucket/`, `gs://...`, `file:///data/`) or local paths.
    /// Local roots must exist: they are resolved to canonical folders now.
    pub fn parse(roots: &[String]) -> Result<AllowedRoots> {
        let mut parsed = AllowedRoots::default();
        for root in roots.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
            let invalid = |reason: String| CrawlError::InvalidTarget {
                target: root.to_string(),
                reason: format!("not a usable allowed root: {reason}"),
            };
            let url = to_url(root).map_err(invalid)?;
            let resolved = if url.scheme() == "file" {
                let path = url
                    .to_file_path()
                    .map_err(|()| invalid("not a local path".into()))?;
                Root::Folder(
                    path.canonicalize()
                        .map_err(|e| invalid(format!("{}: {e}", path.display())))?,
                )
            } else {
                Root::Prefix(prefix_of(&url))
            };
            parsed.roots.push(resolved);
            parsed.shown.push(root.to_string());
        }
        Ok(parsed)
    }

    /// Whether any target is allowed.
    pub fn is_unrestricted(&self) -> bool {
        self.roots.is_empty()
    }

    /// The roots as configured.
    pub fn roots(&self) -> &[String] {
        &self.shown
    }

    /// Refuses a target outside the roots. A local target is judged by its canonical folder,
    /// so neither `..` nor a symbolic link leads out of a root; an object-store target may
    /// not contain `..` segments at all.
    pub fn check(&self, target: &str) -> Result<()> {
        if self.is_unrestricted() {
            return Ok(());
        }
        let refuse = |reason: String| CrawlError::InvalidTarget {
            target: target.to_string(),
            reason,
        };
        let url = to_url(target).map_err(refuse)?;
        let allowed = if url.scheme() == "file" {
            let path = url
                .to_file_path()
                .map_err(|()| refuse("not a local path".into()))?;
            let canonical = path
                .canonicalize()
                .map_err(|e| refuse(format!("no folder at {}: {e}", path.display())))?;
            self.roots
                .iter()
                .any(|root| matches!(root, Root::Folder(folder) if canonical.starts_with(folder)))
        } else {
            let raw_path = target.split_once("://").map_or("", |(_, rest)| rest);
            if raw_path.split('/').any(|segment| segment == "..") {
                return Err(refuse(
                    "object-store targets may not contain \"..\" segments".into(),
                ));
            }
            let prefix = prefix_of(&url);
            self.roots
                .iter()
                .any(|root| matches!(root, Root::Prefix(root) if prefix.starts_with(root.as_str())))
        };
        if allowed {
            Ok(())
        } else {
            Err(refuse(format!(
                "outside the server's allowed crawl roots ({})",
                self.shown.join(", ")
            )))
        }
    }
}

impl AllowedRoots {
    /// A guard for the files a local target lists, or `None` when any target is allowed.
    pub fn link_guard(&self) -> Option<LinkGuard> {
        if self.is_unrestricted() {
            return None;
        }
        Some(LinkGuard {
            folders: self
                .roots
                .iter()
                .filter_map(|root| match root {
                    Root::Folder(folder) => Some(folder.clone()),
                    Root::Prefix(_) => None,
                })
                .collect(),
            checked: Mutex::default(),
        })
    }
}

/// Checks that each file a local listing yields really lies in an allowed root folder.
///
/// object_store's local listing follows symbolic links, so a link inside a root (to a
/// file or to a folder) would lead the crawler to read files anywhere the server can. A
/// target's own folder is checked when the crawler starts; this checks what is under it.
/// Each folder is resolved once and remembered; each file costs one `lstat`.
#[derive(Debug)]
pub struct LinkGuard {
    folders: Vec<PathBuf>,
    /// Whether each folder seen so far resolves inside a root.
    checked: Mutex<HashMap<PathBuf, bool>>,
}

impl LinkGuard {
    /// Whether `file` (an absolute path as listed) resolves to a place inside a root. A
    /// file that vanished or cannot be resolved is not admitted.
    pub fn admits(&self, file: &Path) -> bool {
        match std::fs::symlink_metadata(file) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                return file.canonicalize().is_ok_and(|real| self.inside(&real));
            }
            Ok(_) => {}
            Err(_) => return false,
        }
        let Some(folder) = file.parent() else {
            return false;
        };
        if let Some(known) = self
            .checked
            .lock()
            .ok()
            .and_then(|c| c.get(folder).copied())
        {
            return known;
        }
        let inside = folder.canonicalize().is_ok_and(|real| self.inside(&real));
        if let Ok(mut checked) = self.checked.lock() {
            checked.insert(folder.to_path_buf(), inside);
        }
        inside
    }

    /// Reads `range` of `file`, but only if the file actually opened lies inside a root
    /// (`Ok(None)` otherwise). The check is made on the open file, not on its path, so a
    /// file swapped for a link after it was listed leads nowhere.
    pub fn read_range(&self, file: &Path, range: Range<u64>) -> std::io::Result<Option<Vec<u8>>> {
        let opened = std::fs::File::open(file)?;
        if !self.inside(&opened_path(&opened, file)?) {
            return Ok(None);
        }
        crate::local_read::read_at(&opened, range).map(Some)
    }

    fn inside(&self, real: &Path) -> bool {
        self.folders.iter().any(|folder| real.starts_with(folder))
    }
}

/// Where an open file really is: the kernel's name for the descriptor.
#[cfg(target_os = "linux")]
fn opened_path(file: &std::fs::File, _path: &Path) -> std::io::Result<PathBuf> {
    use std::os::fd::AsRawFd;
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd()))
}

/// Where an open file really is; without /proc, resolved from its path again.
#[cfg(not(target_os = "linux"))]
fn opened_path(_file: &std::fs::File, path: &Path) -> std::io::Result<PathBuf> {
    path.canonicalize()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn roots(list: &[&str]) -> AllowedRoots {
        AllowedRoots::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn refused(roots: &AllowedRoots, target: &str) -> String {
        roots.check(target).unwrap_err().to_string()
    }

    #[test]
    fn object_store_targets_must_lie_under_a_root_prefix() {
        let allowed = roots(&["s3://lake-bucket/", "gs://other/raw"]);
        allowed.check("s3://lake-bucket/").unwrap();
        allowed.check("s3://lake-bucket/sales/year=2024/").unwrap();
        allowed.check("s3a://lake-bucket/sales/").unwrap();
        allowed.check("gs://other/raw/").unwrap();
        allowed.check("gs://other/raw/events").unwrap();
        assert!(refused(&allowed, "s3://lake-bucket-2/").contains(
            "outside the server's allowed crawl roots (s3://lake-bucket/, gs://other/raw)"
        ));
        assert!(refused(&allowed, "gs://other/rawer/").contains("outside"));
        assert!(refused(&allowed, "gs://other/").contains("outside"));
        assert!(refused(&allowed, "s3://lake-bucket/a/../../etc/").contains("\"..\""));
        assert!(refused(&allowed, "/tmp").contains("outside"));
    }

    #[test]
    fn local_targets_are_judged_by_their_canonical_folder() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let secret = dir.path().join("secret");
        let lookalike = dir.path().join("database");
        for folder in [&data.join("sales"), &secret, &lookalike] {
            std::fs::create_dir_all(folder).unwrap();
        }
        std::os::unix::fs::symlink(&secret, data.join("escape")).unwrap();
        let allowed = roots(&[&format!("file://{}/", data.display())]);
        allowed
            .check(&data.join("sales").display().to_string())
            .unwrap();
        allowed
            .check(&format!("file://{}/sales/", data.display()))
            .unwrap();
        allowed.check(&data.display().to_string()).unwrap();
        for escaping in [
            format!("{}/sales/../../secret", data.display()),
            format!("file://{}/escape/", data.display()),
            data.join("escape").display().to_string(),
            lookalike.display().to_string(),
            secret.display().to_string(),
        ] {
            assert!(
                refused(&allowed, &escaping).contains("outside"),
                "{escaping}"
            );
        }
        assert!(refused(&allowed, "s3://lake/").contains("outside"));
        assert!(AllowedRoots::parse(&["/no/such/root".to_string()]).is_err());
        assert!(AllowedRoots::default().check("/anywhere/at/all").is_ok());
    }

    #[test]
    fn the_link_guard_admits_only_files_that_resolve_inside_a_root() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let secret = dir.path().join("secret");
        for folder in [&data.join("sales"), &secret] {
            std::fs::create_dir_all(folder).unwrap();
        }
        std::fs::write(data.join("sales/a.csv"), "a\n1\n").unwrap();
        std::fs::write(secret.join("keys.csv"), "k\n1\n").unwrap();
        // A link to a folder outside, one to a file outside, and one that stays inside.
        std::os::unix::fs::symlink(&secret, data.join("escape")).unwrap();
        std::os::unix::fs::symlink(secret.join("keys.csv"), data.join("sales/b.csv")).unwrap();
        std::os::unix::fs::symlink(data.join("sales"), data.join("mirror")).unwrap();
        let allowed = roots(&[&data.display().to_string()]);
        let guard = allowed.link_guard().unwrap();
        assert!(guard.admits(&data.join("sales/a.csv")));
        assert!(guard.admits(&data.join("mirror/a.csv")));
        assert!(!guard.admits(&data.join("escape/keys.csv")));
        assert!(!guard.admits(&data.join("sales/b.csv")));
        assert!(!guard.admits(&data.join("sales/gone.csv")));
        // Asked again, the remembered folders give the same answers.
        assert!(guard.admits(&data.join("sales/a.csv")));
        assert!(!guard.admits(&data.join("escape/keys.csv")));
        assert!(AllowedRoots::default().link_guard().is_none());
    }

    #[test]
    fn the_link_guard_reads_only_files_that_really_lie_inside() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let secret = dir.path().join("secret");
        for folder in [&data, &secret] {
            std::fs::create_dir_all(folder).unwrap();
        }
        std::fs::write(data.join("a.csv"), "a\n1\n").unwrap();
        std::fs::write(secret.join("keys.csv"), "k\n2\n").unwrap();
        let guard = roots(&[&data.display().to_string()]).link_guard().unwrap();
        let file = data.join("a.csv");
        assert_eq!(guard.read_range(&file, 2..5).unwrap().unwrap(), b"1\n");
        // Admitted when listed, then swapped for a link out of the root before it is read.
        assert!(guard.admits(&file));
        std::fs::remove_file(&file).unwrap();
        std::os::unix::fs::symlink(secret.join("keys.csv"), &file).unwrap();
        assert_eq!(guard.read_range(&file, 0..5).unwrap(), None);
        assert!(guard.read_range(&data.join("gone.csv"), 0..1).is_err());
    }
}
