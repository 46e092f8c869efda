//! The lakecat catalog: the Glue Data Catalog model, its validation rules, Glue's partition
//! filter language, and the store that keeps it all in SQLite or PostgreSQL.
//!
//! Callers go through [`Catalog`], which validates and normalizes input and pages results,
//! over a [`CatalogStore`]; [`SqlStore`] is the store for both databases.
//!
//! ```no_run
//! # async fn example() -> lakecat_catalog::Result<()> {
//! use std::sync::Arc;
//! use lakecat_catalog::{Catalog, DatabaseInput, SqlStore, StoreOptions};
//!
//! let store = SqlStore::connect("sqlite://lakecat.db?mode=rwc", &StoreOptions::default()).await?;
//! let catalog = Catalog::new(Arc::new(store));
//! catalog
//!     .create_database(DatabaseInput { name: "sales".into(), ..Default::default() })
//!     .await?;
//! # Ok(())
//! # }
//! ```

pub mod crawlers;
pub mod digest;
pub mod encoded;
pub mod error;
pub mod filter;
pub mod functions;
pub mod id;
pub mod model;
pub mod page;
pub mod search;
pub mod service;
pub mod sql;
pub mod statistics;
pub mod store;
pub mod tags;
pub mod validate;

pub use encoded::EncodedPartition;
pub use error::{Entity, Error, ErrorKind, Result};
pub use functions::{Function, FunctionInput, ResourceUri};
pub use model::*;
pub use service::{Catalog, Listing, PageRequest, PartitionListRequest};
pub use sql::{Backend, DEFAULT_DATABASE_URL, SqlStore, StoreOptions};
pub use statistics::{
    ColumnStatistics, CrawledStatistics, StatisticsData, StatisticsFailure, StatisticsOrigin,
    StatisticsScope,
};
pub use store::{
    CatalogStore, FileIndexState, PartitionFailure, TableAction, TableChange, TableUpdate,
    UpdateTableOptions,
};
pub use tags::{Tagged, Tags};
