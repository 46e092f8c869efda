//! Object events batched into the folders an event-driven crawl lists: each event names the
//! folder its object lies in, below the crawler target it falls under; a folder is listed
//! once however many events name it. Events the crawl would not read (outside every target,
//! hidden, excluded, folder markers) are set aside with the reason.

use std::collections::{BTreeSet, HashSet};

use lakecat_catalog::crawlers::{EventRecord, EventsConsumed, MAX_REPORTED_EVENTS, TargetKind};

use super::message::ObjectEvent;
use crate::crawl::CrawlTarget;
use crate::error::Result;
use crate::glob::Exclusions;
use crate::listing::hidden_reason;

/// A target events are matched against.
#[derive(Debug, Clone)]
pub struct EventTarget {
    /// The target's URL, ending with `/` (as [`crate::TargetLocation::url`] gives it).
    pub url: String,
    /// Its exclusions.
    pub exclusions: Exclusions,
}

/// An event the crawl leaves aside, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    /// The event.
    pub event: ObjectEvent,
    /// Why no folder is listed for it.
    pub reason: String,
}

/// What a batch of events asks a crawl to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderBatch {
    /// Per target (in the order given), the folders to list, relative to the target
    /// (`""` for the target itself).
    pub folders: Vec<BTreeSet<String>>,
    /// The events that named those folders, each once, in the order they came.
    pub consumed: Vec<ObjectEvent>,
    /// Events repeated in the batch (an SQS message delivered twice, a webhook retried).
    pub duplicates: usize,
    /// Events that name no folder to list.
    pub set_aside: Vec<SetAside>,
}

impl FolderBatch {
    /// Whether the batch lists nothing.
    pub fn is_empty(&self) -> bool {
        self.folders.iter().all(BTreeSet::is_empty)
    }

    /// How many folders the batch lists, over all targets.
    pub fn folder_count(&self) -> usize {
        self.folders.iter().map(BTreeSet::len).sum()
    }
}

/// Object events for a crawl to consume, and where they came from.
#[derive(Debug, Clone, Default)]
pub struct EventsToCrawl {
    /// `webhook`, or the SQS queue's ARN.
    pub source: String,
    /// The events.
    pub events: Vec<ObjectEvent>,
}

impl EventsToCrawl {
    /// Batches the events against a crawler's opened targets: S3 targets only (open-format
    /// targets are crawled whole, by full crawls), the folders in the targets' order.
    pub fn batch_for(&self, targets: &[CrawlTarget]) -> Result<FolderBatch> {
        let mut s3 = Vec::new();
        let mut positions = Vec::new();
        for (position, target) in targets.iter().enumerate() {
            if target.kind == TargetKind::S3 {
                s3.push(EventTarget {
                    url: target.location.url(),
                    exclusions: Exclusions::new(&target.settings.exclusions)?,
                });
                positions.push(position);
            }
        }
        let mut batch = batch_events(self.events.iter().cloned(), &s3);
        let mut folders = vec![BTreeSet::new(); targets.len()];
        for (position, named) in positions.into_iter().zip(batch.folders) {
            folders[position] = named;
        }
        batch.folders = folders;
        Ok(batch)
    }
}

impl FolderBatch {
    /// What the run record says of the batch: its events (those set aside with why), at
    /// most [`MAX_REPORTED_EVENTS`].
    pub fn record(&self, source: &str) -> EventsConsumed {
        let entry = |event: &ObjectEvent, set_aside: Option<&str>| EventRecord {
            url: event.url(),
            change: event.change,
            time: event.time,
            sequencer: event.sequencer.clone(),
            set_aside: set_aside.map(str::to_string),
        };
        let all = self.consumed.len() + self.set_aside.len();
        let events = self
            .consumed
            .iter()
            .map(|event| entry(event, None))
            .chain(
                self.set_aside
                    .iter()
                    .map(|aside| entry(&aside.event, Some(&aside.reason))),
            )
            .take(MAX_REPORTED_EVENTS)
            .collect();
        EventsConsumed {
            source: source.to_string(),
            events,
            events_dropped: all.saturating_sub(MAX_REPORTED_EVENTS) as u64,
            duplicates: self.duplicates as u64,
            folders_listed: self.folder_count() as u64,
        }
    }
}

/// Batches `events` against `targets`. An event under several targets (nested targets) names
/// its folder in each.
pub fn batch_events(
    events: impl IntoIterator<Item = ObjectEvent>,
    targets: &[EventTarget],
) -> FolderBatch {
    let mut batch = FolderBatch {
        folders: vec![BTreeSet::new(); targets.len()],
        ..FolderBatch::default()
    };
    let mut seen = HashSet::new();
    for event in events {
        if !seen.insert(event.clone()) {
            batch.duplicates += 1;
            continue;
        }
        match folders_of(&event, targets) {
            Ok(named) => {
                for (target, folder) in named {
                    batch.folders[target].insert(folder);
                }
                batch.consumed.push(event);
            }
            Err(reason) => batch.set_aside.push(SetAside { event, reason }),
        }
    }
    batch
}

/// The folder `event` names in each target it falls under, or why it names none.
fn folders_of(
    event: &ObjectEvent,
    targets: &[EventTarget],
) -> Result<Vec<(usize, String)>, String> {
    let url = event.url();
    if url.ends_with('/') {
        return Err("a folder marker, not an object".into());
    }
    let mut named = Vec::new();
    let mut last_reason = None;
    for (index, target) in targets.iter().enumerate() {
        let Some(relative) = url.strip_prefix(&target.url) else {
            continue;
        };
        if let Some(reason) = hidden_reason(relative) {
            last_reason = Some(reason.to_string());
            continue;
        }
        if let Some(glob) = target.exclusions.matching(relative) {
            last_reason = Some(format!("excluded by {glob:?}"));
            continue;
        }
        let folder = relative
            .rsplit_once('/')
            .map(|(folder, _)| folder.to_string())
            .unwrap_or_default();
        named.push((index, folder));
    }
    if named.is_empty() {
        return Err(last_reason.unwrap_or_else(|| "outside every target of the crawler".into()));
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::message::ObjectChange;

    fn created(url: &str) -> ObjectEvent {
        let (store, key) = url.split_at(url.find("://").unwrap() + 3);
        let (bucket, key) = key.split_once('/').unwrap();
        ObjectEvent {
            store: format!("{store}{bucket}"),
            key: key.into(),
            change: ObjectChange::Created,
            time: None,
            sequencer: None,
        }
    }

    fn target(url: &str, exclusions: &[&str]) -> EventTarget {
        EventTarget {
            url: url.into(),
            exclusions: Exclusions::new(
                &exclusions.iter().map(|g| g.to_string()).collect::<Vec<_>>(),
            )
            .unwrap(),
        }
    }

    fn folders(batch: &FolderBatch, target: usize) -> Vec<&str> {
        batch.folders[target].iter().map(String::as_str).collect()
    }

    #[test]
    fn events_name_their_folders_below_the_target() {
        let targets = [target("s3://lake/warehouse/", &[])];
        let cases: &[(&str, &[&str])] = &[
            (
                "s3://lake/warehouse/sales/year=2024/month=01/part-0.parquet",
                &["sales/year=2024/month=01"],
            ),
            ("s3://lake/warehouse/top.csv", &[""]),
            ("s3://lake/warehouse/a/b/c/d/e.json", &["a/b/c/d"]),
        ];
        for (url, expected) in cases {
            let batch = batch_events([created(url)], &targets);
            assert_eq!(folders(&batch, 0), *expected, "{url}");
            assert_eq!(batch.consumed.len(), 1, "{url}");
        }
    }

    #[test]
    fn events_the_crawl_would_not_read_are_set_aside_with_why() {
        let targets = [target("s3://lake/warehouse/", &["**.tmp", "staging/**"])];
        let cases = [
            ("s3://lake/other/a.csv", "outside every target"),
            ("s3://other-bucket/warehouse/a.csv", "outside every target"),
            ("s3://lake/warehouse-old/a.csv", "outside every target"),
            (
                "s3://lake/warehouse/sales/_SUCCESS",
                "hidden or marker file",
            ),
            (
                "s3://lake/warehouse/sales/_temporary/0/part-0.parquet",
                "inside a hidden folder",
            ),
            ("s3://lake/warehouse/sales/part-0.parquet.crc", "checksum"),
            ("s3://lake/warehouse/sales/x.tmp", "excluded by \"**.tmp\""),
            (
                "s3://lake/warehouse/staging/a/b.csv",
                "excluded by \"staging/**\"",
            ),
        ];
        for (url, reason) in cases {
            let batch = batch_events([created(url)], &targets);
            assert!(batch.is_empty(), "{url}");
            assert!(batch.consumed.is_empty(), "{url}");
            assert!(
                batch.set_aside[0].reason.contains(reason),
                "{url}: {:?}",
                batch.set_aside
            );
        }
        let marker = ObjectEvent {
            key: "warehouse/sales/".into(),
            ..created("s3://lake/warehouse/sales/x")
        };
        let batch = batch_events([marker], &targets);
        assert!(batch.set_aside[0].reason.contains("folder marker"));
    }

    #[test]
    fn a_burst_becomes_one_folder_per_partition() {
        let targets = [target("s3://lake/", &[])];
        let mut events = Vec::new();
        for object in 0..10_000 {
            let partition = object % 50;
            events.push(created(&format!(
                "s3://lake/sales/day={partition:02}/part-{object}.parquet"
            )));
        }
        // Redelivered: every event of the first partition again.
        let repeated: Vec<ObjectEvent> = events.iter().step_by(50).cloned().collect();
        events.extend(repeated);
        let batch = batch_events(events, &targets);
        assert_eq!(batch.folder_count(), 50);
        assert_eq!(batch.consumed.len(), 10_000);
        assert_eq!(batch.duplicates, 200);
        assert_eq!(folders(&batch, 0)[0], "sales/day=00");
    }

    #[test]
    fn a_created_and_a_removed_event_on_one_key_are_both_kept() {
        // The listing decides what the folder holds; both events are recorded.
        let targets = [target("s3://lake/", &[])];
        let put = created("s3://lake/t/p=1/a.csv");
        let delete = ObjectEvent {
            change: ObjectChange::Removed,
            ..put.clone()
        };
        let batch = batch_events([put, delete], &targets);
        assert_eq!(batch.consumed.len(), 2);
        assert_eq!(batch.duplicates, 0);
        assert_eq!(folders(&batch, 0), ["t/p=1"]);
    }

    #[test]
    fn nested_targets_each_list_the_folder() {
        let targets = [
            target("s3://lake/", &[]),
            target("s3://lake/sales/", &[]),
            target("file:///data/lake/", &[]),
        ];
        let batch = batch_events(
            [
                created("s3://lake/sales/p=1/a.csv"),
                created("file:///data/lake/t/b.csv"),
            ],
            &targets,
        );
        assert_eq!(folders(&batch, 0), ["sales/p=1"]);
        assert_eq!(folders(&batch, 1), ["p=1"]);
        assert_eq!(folders(&batch, 2), ["t"]);
        // One target excluding what the other reads: listed in the other only.
        let targets = [
            target("s3://lake/", &["sales/**"]),
            target("s3://lake/sales/", &[]),
        ];
        let batch = batch_events([created("s3://lake/sales/p=1/a.csv")], &targets);
        assert!(folders(&batch, 0).is_empty());
        assert_eq!(folders(&batch, 1), ["p=1"]);
    }
}
