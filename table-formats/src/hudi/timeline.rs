//! The timeline: which instants (writes, cleans, rollbacks, ...) completed.
//!
//! Layout 1 (table versions up to 6) keeps one file per instant state in `.hoodie/`:
//! `<instant>.<action>.requested`, `<instant>.<action>.inflight` (`<instant>.inflight` for a
//! commit) and `<instant>.<action>` once completed. Layout 2 (table version 8 on) keeps them
//! in `.hoodie/timeline/`, the completed file named `<requested>_<completed>.<action>`. Only
//! the names are read here; a base file is live only if the instant that wrote it completed.

use std::collections::{BTreeMap, BTreeSet};

/// An instant's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum State {
    /// Planned.
    Requested,
    /// Being written (or failed while being written).
    Inflight,
    /// Completed.
    Completed,
}

/// One timeline file, parsed from its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Instant {
    /// The instant time (the requested time in layout 2), as written: digits, compared as
    /// strings the way Hudi compares them.
    pub(crate) time: String,
    /// The action: `commit`, `deltacommit`, `replacecommit`, `clean`, `compaction`, ...
    pub(crate) action: String,
    /// Its state.
    pub(crate) state: State,
    /// The completion time, which layout 2 puts in the completed file's name.
    pub(crate) completion_time: Option<String>,
    /// The file's name, to read the commit metadata.
    pub(crate) file_name: String,
}

/// Actions whose completed instants write base files and make up Hudi's commits timeline
/// (`getCommitsTimeline`): the ones Hive sync takes `last_commit_time_sync` from. A completed
/// compaction is a `commit`; a completed clustering a `replacecommit` (or `clustering`).
const WRITE_ACTIONS: [&str; 4] = ["commit", "deltacommit", "replacecommit", "clustering"];

/// Actions whose completed metadata lists replaced file groups (`partitionToReplaceFileIds`).
pub(crate) const REPLACE_ACTIONS: [&str; 2] = ["replacecommit", "clustering"];

fn is_instant_time(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses a timeline file name; `None` for anything else in the folder (`hoodie.properties`,
/// folders, temporary files).
pub(crate) fn parse_instant(name: &str) -> Option<Instant> {
    let (head, tail) = name.split_once('.')?;
    let (time, completion_time) = match head.split_once('_') {
        Some((requested, completed)) => (requested, Some(completed)),
        None => (head, None),
    };
    if !is_instant_time(time) || completion_time.is_some_and(|c| !is_instant_time(c)) {
        return None;
    }
    let parts: Vec<&str> = tail.split('.').collect();
    let (action, state) = match parts.as_slice() {
        // Layout 1 names a commit's inflight file without its action.
        ["inflight"] => ("commit", State::Inflight),
        [action, "requested"] => (*action, State::Requested),
        [action, "inflight"] => (*action, State::Inflight),
        [action] => (*action, State::Completed),
        _ => return None,
    };
    if action.is_empty() || !action.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    if completion_time.is_some() && state != State::Completed {
        return None;
    }
    Some(Instant {
        time: time.to_string(),
        action: action.to_string(),
        state,
        completion_time: completion_time.map(str::to_string),
        file_name: name.to_string(),
    })
}

/// Whether a base file's instant makes it part of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Commit {
    /// A completed write in the active timeline.
    Completed,
    /// Older than every write in the active timeline: its instant was archived, so it
    /// completed (Hudi's `isBeforeTimelineStarts`).
    Archived,
    /// Pending, failed or rolled back: not part of the table.
    NotCommitted,
}

/// The instants of the active timeline.
#[derive(Debug, Clone, Default)]
pub(crate) struct Timeline {
    /// Every parsed instant, sorted by time, then action, then state.
    instants: Vec<Instant>,
    /// Times of completed writes.
    completed_writes: BTreeSet<String>,
    /// Times of every instant of any state, to tell a failed write from an archived one.
    all_times: BTreeSet<String>,
    /// The earliest write instant of any state.
    first_write: Option<String>,
}

impl Timeline {
    /// The timeline of the given file names (others are ignored).
    pub(crate) fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Timeline {
        let mut instants: Vec<Instant> = names.into_iter().filter_map(parse_instant).collect();
        instants.sort_by(|a, b| (&a.time, &a.action, a.state).cmp(&(&b.time, &b.action, b.state)));
        let is_write = |i: &Instant| {
            WRITE_ACTIONS.contains(&i.action.as_str())
                || i.action == "compaction"
                || i.action == "logcompaction"
        };
        let completed_writes = instants
            .iter()
            .filter(|i| i.state == State::Completed && WRITE_ACTIONS.contains(&i.action.as_str()))
            .map(|i| i.time.clone())
            .collect();
        let all_times = instants.iter().map(|i| i.time.clone()).collect();
        let first_write = instants
            .iter()
            .find(|i| is_write(i))
            .map(|i| i.time.clone());
        Timeline {
            instants,
            completed_writes,
            all_times,
            first_write,
        }
    }

    /// Whether the timeline holds no instant at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.instants.is_empty()
    }

    /// The newest completed write (commit, delta commit, replace commit), by instant time:
    /// what Hudi's sync records as `last_commit_time_sync`.
    pub(crate) fn latest_completed_write(&self) -> Option<&Instant> {
        self.instants
            .iter()
            .rev()
            .find(|i| i.state == State::Completed && WRITE_ACTIONS.contains(&i.action.as_str()))
    }

    /// The latest completion time of a completed write (layout 2 only: layout 1 names do not
    /// carry it): Hudi's sync's `last_commit_completion_time_sync`.
    pub(crate) fn latest_completion_time(&self) -> Option<&str> {
        self.instants
            .iter()
            .filter(|i| i.state == State::Completed && WRITE_ACTIONS.contains(&i.action.as_str()))
            .filter_map(|i| i.completion_time.as_deref())
            .max()
    }

    /// Completed instants whose metadata lists replaced file groups.
    pub(crate) fn completed_replaces(&self) -> impl Iterator<Item = &Instant> {
        self.instants
            .iter()
            .filter(|i| i.state == State::Completed && REPLACE_ACTIONS.contains(&i.action.as_str()))
    }

    /// Whether a base file written at `time` belongs to the table.
    pub(crate) fn commit_of(&self, time: &str) -> Commit {
        if self.completed_writes.contains(time) {
            return Commit::Completed;
        }
        if self.all_times.contains(time) {
            return Commit::NotCommitted;
        }
        match &self.first_write {
            Some(first) if time < first.as_str() => Commit::Archived,
            _ => Commit::NotCommitted,
        }
    }
}

/// The replaced file groups in a completed replace commit's metadata, by partition path:
/// `Ok(None)` when the metadata is Avro (layout 2), which this reader does not decode.
pub(crate) fn replaced_file_ids(
    content: &[u8],
) -> Result<Option<BTreeMap<String, Vec<String>>>, String> {
    if content.starts_with(b"Obj\x01") {
        return Ok(None);
    }
    if content.iter().all(u8::is_ascii_whitespace) {
        return Err("the commit metadata is empty".into());
    }
    let json: serde_json::Value =
        serde_json::from_slice(content).map_err(|e| format!("not JSON: {e}"))?;
    let mut replaced = BTreeMap::new();
    let Some(map) = json.get("partitionToReplaceFileIds") else {
        return Ok(Some(replaced));
    };
    let map = map
        .as_object()
        .ok_or("partitionToReplaceFileIds is not an object")?;
    for (partition, ids) in map {
        let ids = ids
            .as_array()
            .ok_or_else(|| format!("partitionToReplaceFileIds[{partition}] is not a list"))?;
        let ids = ids
            .iter()
            .filter_map(|id| id.as_str().map(str::to_string))
            .collect();
        replaced.insert(partition.clone(), ids);
    }
    Ok(Some(replaced))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_names() {
        let completed = |time: &str, action: &str, completion: Option<&str>| {
            Some((
                time.to_string(),
                action.to_string(),
                State::Completed,
                completion.map(str::to_string),
            ))
        };
        let pending = |time: &str, action: &str, state: State| {
            Some((time.to_string(), action.to_string(), state, None))
        };
        let cases = [
            (
                "20240418172802262.commit",
                completed("20240418172802262", "commit", None),
            ),
            (
                "20240418172802262.commit.requested",
                pending("20240418172802262", "commit", State::Requested),
            ),
            (
                "20240418172802262.inflight",
                pending("20240418172802262", "commit", State::Inflight),
            ),
            (
                "20250121000547796.deltacommit.inflight",
                pending("20250121000547796", "deltacommit", State::Inflight),
            ),
            (
                "20240707001303088.replacecommit",
                completed("20240707001303088", "replacecommit", None),
            ),
            (
                "20250713011315930_20250713011316231.commit",
                completed("20250713011315930", "commit", Some("20250713011316231")),
            ),
            (
                "20260307135839895.compaction.requested",
                pending("20260307135839895", "compaction", State::Requested),
            ),
            (
                "20260307135840454.clustering.inflight",
                pending("20260307135840454", "clustering", State::Inflight),
            ),
            ("20240101.clean", completed("20240101", "clean", None)),
            ("hoodie.properties", None),
            ("hoodie.properties.backup", None),
            ("20240101_x.commit", None),
            ("20240101_20240102.commit.inflight", None),
            ("20240101.commit.requested.tmp", None),
            ("20240101.Commit", None),
            ("20240101", None),
            (".20240101.commit", None),
            ("archived", None),
        ];
        for (name, expected) in cases {
            let got = parse_instant(name).map(|i| (i.time, i.action, i.state, i.completion_time));
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn completed_writes_and_archived_instants() {
        let timeline = Timeline::from_names([
            "003.commit.requested",
            "003.inflight",
            "003.commit",
            "004.clean.requested",
            "004.clean",
            "005.commit.requested",
            "005.inflight",
            "006.compaction.requested",
            "007_009.deltacommit",
            "008.rollback",
            "hoodie.properties",
        ]);
        assert!(!timeline.is_empty());
        assert_eq!(timeline.commit_of("003"), Commit::Completed);
        assert_eq!(timeline.commit_of("007"), Commit::Completed);
        // Pending write, pending compaction, a clean's time: not committed.
        assert_eq!(timeline.commit_of("005"), Commit::NotCommitted);
        assert_eq!(timeline.commit_of("006"), Commit::NotCommitted);
        assert_eq!(timeline.commit_of("004"), Commit::NotCommitted);
        // Before the first write: archived. After it and unknown: rolled back or failed.
        assert_eq!(timeline.commit_of("001"), Commit::Archived);
        assert_eq!(timeline.commit_of("0035"), Commit::NotCommitted);
        let latest = timeline.latest_completed_write().map(|i| i.time.as_str());
        assert_eq!(latest, Some("007"));
        assert_eq!(timeline.latest_completion_time(), Some("009"));
        assert_eq!(Timeline::default().commit_of("001"), Commit::NotCommitted);
    }

    #[test]
    fn replace_commit_metadata() {
        let json = br#"{"partitionToWriteStats":{"30":[{"fileId":"c"}]},
            "partitionToReplaceFileIds":{"10":["a","b"],"20":[]},"compacted":false}"#;
        let replaced = replaced_file_ids(json).ok().flatten().unwrap_or_default();
        assert_eq!(replaced.get("10").map(Vec::len), Some(2));
        assert_eq!(replaced.get("20").map(Vec::len), Some(0));
        assert_eq!(replaced.get("30"), None);
        assert!(matches!(replaced_file_ids(b"Obj\x01\x02"), Ok(None)));
        assert!(replaced_file_ids(b"").is_err());
        assert!(replaced_file_ids(b"{not json").is_err());
        assert!(replaced_file_ids(br#"{"partitionToReplaceFileIds":[]}"#).is_err());
    }
}
