//! What every handler of every protocol can reach: the services, the server's metrics and
//! its access rules.

use std::sync::Arc;

use lakecat_catalog::{Catalog, SqlStore};
use lakecat_crawler::CrawlerService;

use crate::auth::Access;
use crate::metrics::Metrics;

/// The state the routers share.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    /// The catalog service.
    pub(crate) catalog: Catalog,
    /// Crawlers, their runs and custom classifiers.
    pub(crate) crawlers: CrawlerService,
    /// The server's metrics.
    pub(crate) metrics: Arc<Metrics>,
    /// Whether requests need credentials, and the credentials accepted.
    pub(crate) access: Arc<Access>,
    /// Iceberg metadata generated for crawled tables: where it goes, what was served.
    pub(crate) iceberg: Arc<crate::iceberg::Generations>,
    /// The store, for its connection figures in `/metrics`; absent in tests that do not
    /// need them.
    pub(crate) store: Option<Arc<SqlStore>>,
}
