//! The lakecat crawler: walks object-store prefixes, infers schemas with the classifiers,
//! detects Hive-style and unnamed partitions, groups folders into tables (explaining each
//! decision), and applies the result to the catalog one table per transaction.
//!
//! [`crawl()`] is one crawl over opened targets; [`Runner`] runs a crawler stored in the
//! catalog and records the run.

mod aws_profile;
mod column_names;
pub mod crawl;
pub mod error;
pub mod events;
mod file_index;
mod format_targets;
pub mod glob;
pub mod group;
pub mod listing;
mod local_read;
pub mod location;
mod open_tables;
pub mod output;
pub mod plan;
pub mod report;
pub mod retries;
pub mod roots;
pub mod run;
pub mod sample;
pub mod scan;
pub mod scheduler;
pub mod service;
pub mod snapshot;
mod statistics;
pub mod table_roots;
mod unaddressable;

pub use crawl::{CrawlOptions, CrawlOutcome, CrawlTarget, OpenedTargets, crawl};
pub use error::{CrawlError, Result};
pub use location::TargetLocation;
pub use report::{Phase, Report};
pub use roots::AllowedRoots;
pub use run::{Runner, build_classifier, registry_for};
pub use scheduler::{DEFAULT_SCHEDULER_INTERVAL, Scheduler, SchedulerPass};
pub use service::CrawlerService;
