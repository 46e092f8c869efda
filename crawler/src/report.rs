//! The run report as a crawl builds it: counts, decisions, changes and per-object issues,
//! shared between the tasks of a crawl and readable while it runs (for progress output).

use std::sync::Mutex;

use lakecat_catalog::crawlers::{
    CrawlCounts, CrawlReport, GroupingDecision, MAX_REPORTED_ISSUES, MAX_SKIPPED_EXAMPLES,
    ObjectIssue, Severity, SkippedObject, TableChangeRecord,
};

/// What a crawl is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Listing and reading objects.
    Reading,
    /// Deciding tables and comparing them with the catalog.
    Planning,
    /// Writing tables: `done` of `total`.
    Applying {
        /// Tables written so far.
        done: usize,
        /// Tables to write.
        total: usize,
    },
    /// Finished.
    Done,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    counts: CrawlCounts,
    report: CrawlReport,
}

/// A crawl's report in the making.
#[derive(Debug)]
pub struct Report {
    state: Mutex<State>,
}

impl Default for Report {
    fn default() -> Self {
        Report {
            state: Mutex::new(State {
                phase: Phase::Reading,
                counts: CrawlCounts::default(),
                report: CrawlReport::default(),
            }),
        }
    }
}

impl Report {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut state)
    }

    /// Changes the counts.
    pub fn count(&self, f: impl FnOnce(&mut CrawlCounts)) {
        self.with(|s| f(&mut s.counts));
    }

    /// Counts a skipped object; with a severity, also records why.
    pub fn skip(&self, severity: Option<Severity>, path: &str, reason: &str) {
        self.with(|s| {
            s.counts.objects_skipped += 1;
            if s.report.skipped_examples.len() < MAX_SKIPPED_EXAMPLES {
                s.report.skipped_examples.push(SkippedObject {
                    path: path.to_string(),
                    reason: reason.to_string(),
                });
            }
        });
        if let Some(severity) = severity {
            self.issue(ObjectIssue {
                path: path.to_string(),
                severity,
                message: reason.to_string(),
            });
        }
    }

    /// Records a per-object issue (the first [`MAX_REPORTED_ISSUES`] are kept).
    pub fn issue(&self, issue: ObjectIssue) {
        self.with(|s| {
            if s.report.issues.len() < MAX_REPORTED_ISSUES {
                s.report.issues.push(issue);
            } else {
                s.report.issues_dropped += 1;
            }
        });
    }

    /// Records a grouping decision.
    pub fn decide(&self, decision: GroupingDecision) {
        self.with(|s| s.report.decisions.push(decision));
    }

    /// Records a table change.
    pub fn change(&self, change: TableChangeRecord) {
        self.with(|s| s.report.changes.push(change));
    }

    /// Marks the change to `table` as written to the catalog.
    pub fn mark_applied(&self, table: &str) {
        self.with(|s| {
            if let Some(change) = s.report.changes.iter_mut().find(|c| c.table == table) {
                change.applied = true;
            }
        });
    }

    /// Records that the catalog refused the change to `table`: the change stays unapplied,
    /// with the reason among its details and as an error of the run.
    pub fn mark_failed(&self, table: &str, reason: &str) {
        let message = format!("table {table} was not written: {reason}");
        self.with(|s| {
            if let Some(change) = s.report.changes.iter_mut().find(|c| c.table == table) {
                change.details.push(message.clone());
            }
        });
        self.issue(ObjectIssue {
            path: table.to_string(),
            severity: Severity::Error,
            message,
        });
    }

    /// Sets the phase.
    pub fn set_phase(&self, phase: Phase) {
        self.with(|s| s.phase = phase);
    }

    /// The phase.
    pub fn phase(&self) -> Phase {
        self.with(|s| s.phase)
    }

    /// The counts so far.
    pub fn counts(&self) -> CrawlCounts {
        self.with(|s| s.counts)
    }

    /// The counts and report so far.
    pub fn snapshot(&self) -> (CrawlCounts, CrawlReport) {
        self.with(|s| (s.counts, s.report.clone()))
    }
}
