//! Crawler definitions, crawl runs and custom classifier records: their model, validation,
//! persistence and service.
//!
//! The catalog stores crawlers; running them is the crawler library's job. Classifier
//! definitions are kept as JSON here and checked by the classifier library above this one.

pub mod model;
pub mod runner;
pub mod schedule;
pub mod service;
pub mod store;
pub mod validate;

pub use model::*;
pub use runner::{CrawlRunner, RunnerLiveness};
pub use service::{Crawlers, Takeover, TakeoverRefused};
pub use store::{CrawlerStore, RunCursor};
