//! The HTTP application: the API routes, the OpenAPI document and its docs page, and the
//! layers every request passes through.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use lakecat_catalog::Catalog;
use lakecat_crawler::CrawlerService;

use crate::glue::AccessKeys;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, ApiDoc, AppState};

/// Largest request body accepted, in bytes; larger ones get a 413. Enough for a batch of
/// 100 partitions or a table with Glue's largest parameter values.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The OpenAPI document, as served at `/openapi.json` and committed at
/// `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let mut json = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}

/// The whole application over `catalog` and `crawlers`, with Glue signatures unchecked.
pub fn app(catalog: Catalog, crawlers: CrawlerService) -> Router {
    app_with_access_keys(catalog, crawlers, AccessKeys::default())
}

/// The whole application; Glue requests must be signed with one of `glue_keys` when any is
/// given.
pub fn app_with_access_keys(
    catalog: Catalog,
    crawlers: CrawlerService,
    glue_keys: AccessKeys,
) -> Router {
    // The docs page's assets are compiled into the binary (the `vendored` feature), so
    // /docs works without internet access.
    let docs = SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi());
    api::router(AppState {
        catalog,
        crawlers,
        glue_keys: std::sync::Arc::new(glue_keys),
    })
    .merge(docs)
    .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
    .layer(TraceLayer::new_for_http())
}
