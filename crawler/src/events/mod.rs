//! Event-driven crawls (decision 0005): notifications of changed objects, from SQS or a
//! webhook, normalized into object events and batched into the folders a crawl lists.

pub mod batch;
pub mod message;
pub mod poller;
pub mod sqs;

pub use batch::{EventTarget, EventsToCrawl, FolderBatch, SetAside, batch_events};
pub use message::{IgnoredRecord, Notification, ObjectChange, ObjectEvent, parse};
