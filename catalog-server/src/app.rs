//! The composition root: the one place where the protocols' routers (REST from `api`, the
//! Glue API from `glue`, Iceberg REST from `iceberg`), the OpenAPI document and its docs
//! page, `/metrics`, the shared state and the layers every request passes through are put
//! together. No other module reaches up into this one.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use lakecat_catalog::{Catalog, SqlStore};
use lakecat_crawler::CrawlerService;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, ApiDoc};
use crate::auth::Access;
use crate::body_budget::{BodyBudget, MAX_BODY_BYTES};
use crate::glue;
use crate::metrics::Metrics;
use crate::request_id::{REQUEST_ID, request_id};
use crate::state::AppState;

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
    app_with(AppSettings {
        catalog,
        crawlers,
        metrics: Arc::default(),
        store: None,
        access: Access::default(),
        request_timeout: crate::deadline::DEFAULT_REQUEST_TIMEOUT,
        max_body_memory: crate::body_budget::DEFAULT_BODY_MEMORY,
        iceberg_metadata_location: None,
    })
}

/// What the application is built from.
#[derive(Debug)]
pub struct AppSettings {
    /// The catalog service.
    pub catalog: Catalog,
    /// The crawler service.
    pub crawlers: CrawlerService,
    /// Where requests are counted; crawls are counted into it by the caller.
    pub metrics: Arc<Metrics>,
    /// The store, whose connection figures `/metrics` shows.
    pub store: Option<Arc<SqlStore>>,
    /// Whether requests need credentials, the REST API's tokens and the Glue API's keys.
    pub access: Access,
    /// How long a request may take.
    pub request_timeout: std::time::Duration,
    /// Bytes that request bodies may hold in memory at once.
    pub max_body_memory: usize,
    /// Where Iceberg metadata generated for crawled tables goes (a URL); unset, under
    /// `_lakecat/iceberg/` in each table's bucket, or `./lakecat-iceberg/` for local tables.
    pub iceberg_metadata_location: Option<String>,
}

/// The whole application.
pub fn app_with(settings: AppSettings) -> Router {
    // The docs page's assets are compiled into the binary (the `vendored` feature), so
    // /docs works without internet access.
    let docs = SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi());
    let metrics = settings.metrics.clone();
    let access = Arc::new(settings.access);
    let state = AppState {
        catalog: settings.catalog,
        crawlers: settings.crawlers,
        metrics: settings.metrics,
        store: settings.store,
        access: access.clone(),
        iceberg: Arc::new(crate::iceberg::Generations::new(
            settings.iceberg_metadata_location,
        )),
    };
    api::router()
        .merge(glue::router())
        .merge(crate::iceberg::router())
        .merge(crate::console::router())
        .route("/metrics", get(crate::metrics::serve))
        .fallback(api::not_found)
        // After the routes are merged: it applies to the routes there are.
        .method_not_allowed_fallback(api::method_not_allowed)
        .with_state(state)
        .merge(docs)
        // Inside the routing, where the matched route is known.
        .route_layer(axum::middleware::from_fn(crate::metrics::note_route))
        // After the body is read: a SigV4 signature covers it.
        .layer(axum::middleware::from_fn(crate::auth::check_signed_body))
        // Bodies are read within the server's budget, and only after the credentials check.
        .layer(axum::middleware::from_fn_with_state(
            BodyBudget::new(settings.max_body_memory),
            crate::body_budget::hold,
        ))
        // Outside the routing, so that unknown paths need credentials too.
        .layer(axum::middleware::from_fn_with_state(
            access,
            crate::auth::check,
        ))
        .layer(axum::middleware::from_fn_with_state(
            settings.request_timeout,
            crate::deadline::enforce,
        ))
        // Outside authentication, the deadline and the routing fallbacks, whose failures it
        // renders in the Iceberg shape under /iceberg.
        .layer(axum::middleware::from_fn(crate::iceberg::iceberg_errors))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Layers run outside in: the request id is set first, so the request's log span and the
        // Glue API's `x-amzn-RequestId` carry it, and it is returned as `x-request-id`.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
}

/// The log span of a request: its method, path (not the query, which may hold filter values
/// or page tokens) and id.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = request_id(request.headers()).unwrap_or_default(),
    )
}
