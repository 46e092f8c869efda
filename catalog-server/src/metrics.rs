//! `/metrics`: the server's figures in the Prometheus (OpenMetrics) text format. HTTP
//! requests by route, method and status with a latency histogram; crawls by how they ended,
//! their durations, the objects they listed and read and the object-store retries; crawls running here; database
//! connections open and idle.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lakecat_catalog::SqlStore;
use lakecat_catalog::crawlers::CrawlRun;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of an HTTP request. The route is the matched route template (`/v1/databases/
/// {database}`), never the raw path, so that the number of series stays bounded.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

/// Labels of a request's latency.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

/// Labels of a finished crawl.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ThriftLabels {
    method: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ThriftMethodLabels {
    method: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CrawlLabels {
    state: String,
}

/// Labels of the database connection gauge.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    crawls: Family<CrawlLabels, Counter>,
    thrift_calls: Family<ThriftLabels, Counter>,
    thrift_latency: Family<ThriftMethodLabels, Histogram, fn() -> Histogram>,
    crawl_seconds: Histogram,
    objects_listed: Counter,
    objects_read: Counter,
    retries: Counter,
    crawls_running: Gauge,
    connections: Family<PoolLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("lakecat");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let crawls = Family::<CrawlLabels, Counter>::default();
        let thrift_calls = Family::<ThriftLabels, Counter>::default();
        let thrift_latency =
            Family::<ThriftMethodLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        // 1 s to about 9 hours.
        let crawl_seconds = Histogram::new(exponential_buckets(1.0, 2.0, 16));
        let objects_listed = Counter::default();
        let objects_read = Counter::default();
        let retries = Counter::default();
        let crawls_running = Gauge::default();
        let connections = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route and method",
            latency.clone(),
        );
        registry.register(
            "crawls",
            "Crawls run by this server, by how they ended",
            crawls.clone(),
        );
        registry.register(
            "metastore_calls",
            "Hive Metastore Thrift calls by method (\"unknown\" for those not served) and \
             outcome (ok, exception: one the method declares, application_error)",
            thrift_calls.clone(),
        );
        registry.register(
            "metastore_call_duration_seconds",
            "Hive Metastore Thrift call latency by method",
            thrift_latency.clone(),
        );
        registry.register(
            "crawl_duration_seconds",
            "How long crawls run by this server took",
            crawl_seconds.clone(),
        );
        registry.register(
            "crawl_objects_listed",
            "Objects listed by crawls run by this server",
            objects_listed.clone(),
        );
        registry.register(
            "crawl_objects_read",
            "Objects read by crawls run by this server",
            objects_read.clone(),
        );
        registry.register(
            "crawl_object_store_retries",
            "Object-store requests of this server's crawls that failed and were retried",
            retries.clone(),
        );
        registry.register(
            "crawls_running",
            "Crawls running on this server now",
            crawls_running.clone(),
        );
        registry.register(
            "database_connections",
            "Catalog database connections, open and idle",
            connections.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            crawls,
            thrift_calls,
            thrift_latency,
            crawl_seconds,
            objects_listed,
            objects_read,
            retries,
            crawls_running,
            connections,
        }
    }

    /// Records a crawl that ended.
    pub fn record_crawl(&self, run: &CrawlRun) {
        let summary = &run.summary;
        self.crawls
            .get_or_create(&CrawlLabels {
                state: summary.state.as_str().to_string(),
            })
            .inc();
        if let Some(end) = summary.end_time {
            let seconds = (end - summary.start_time).num_milliseconds().max(0) as f64 / 1000.0;
            self.crawl_seconds.observe(seconds);
        }
        self.objects_listed.inc_by(summary.counts.objects_listed);
        self.objects_read.inc_by(summary.counts.objects_read);
        self.retries.inc_by(summary.counts.object_store_retries);
    }

    /// Records a Hive Metastore Thrift call. `method` must be a name the server serves (or
    /// "unknown"): clients choose the names they send, and each name is a time series.
    pub(crate) fn record_thrift_call(&self, method: &str, outcome: &'static str, seconds: f64) {
        self.thrift_latency
            .get_or_create(&ThriftMethodLabels {
                method: method.to_string(),
            })
            .observe(seconds);
        self.thrift_calls
            .get_or_create(&ThriftLabels {
                method: method.to_string(),
                outcome,
            })
            .inc();
    }

    fn record_request(&self, route: String, method: String, status: u16, seconds: f64) {
        self.latency
            .get_or_create(&RouteLabels {
                route: route.clone(),
                method: method.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                route,
                method,
                status,
            })
            .inc();
    }

    /// The metrics as text, with the gauges read now.
    fn render(&self, store: Option<&SqlStore>, crawls_running: usize) -> String {
        self.crawls_running.set(crawls_running as i64);
        if let Some(store) = store {
            let (open, idle) = store.pool_use();
            self.connections
                .get_or_create(&PoolLabels { state: "open" })
                .set(i64::from(open));
            self.connections
                .get_or_create(&PoolLabels { state: "idle" })
                .set(idle as i64);
        }
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "cannot encode metrics");
        }
        text
    }
}

/// The route label of requests answered before routing: unknown paths and refused
/// credentials.
pub(crate) const UNMATCHED_ROUTE: &str = "unmatched";

/// Where the routing notes the matched route template for [`track`], which runs outside
/// it. A slot rather than a response extension, so that a request cut off by its deadline
/// (its handler dropped) is still counted under its route.
#[derive(Debug, Clone, Default)]
struct RouteSlot(Arc<OnceLock<String>>);

/// Counts and times every request, by route template, method and status. It runs outside
/// access control and the deadline, so that 401s, 403s and timeouts are counted too.
pub(crate) async fn track(
    State(metrics): State<Arc<Metrics>>,
    mut request: Request,
    next: Next,
) -> Response {
    let slot = RouteSlot::default();
    request.extensions_mut().insert(slot.clone());
    let method = method_label(request.method()).to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let route = slot.0.get().map_or(UNMATCHED_ROUTE, String::as_str);
    metrics.record_request(
        route.to_string(),
        method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The method as a label. Clients may send any method token, and this runs before
/// credentials are checked, so unknown methods share one label instead of each adding
/// series for ever.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Notes the matched route for [`track`]; runs as a route layer, where it is known.
pub(crate) async fn note_route(request: Request, next: Next) -> Response {
    if let (Some(slot), Some(route)) = (
        request.extensions().get::<RouteSlot>(),
        request.extensions().get::<MatchedPath>(),
    ) {
        let _ = slot.0.set(route.as_str().to_string());
    }
    next.run(request).await
}

/// `GET /metrics`.
pub(crate) async fn serve(State(state): State<crate::state::AppState>) -> Response {
    let text = state
        .metrics
        .render(state.store.as_deref(), state.crawlers.running_here());
    let mut response = (StatusCode::OK, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn unknown_paths_and_timed_out_requests_are_counted() {
        let metrics = Arc::new(Metrics::new());
        let app = Router::new()
            .route(
                "/slow/{n}",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "done"
                }),
            )
            .route("/fast/{n}", get(|| async { "done" }))
            .route_layer(axum::middleware::from_fn(note_route))
            .layer(axum::middleware::from_fn_with_state(
                Duration::from_millis(100),
                crate::deadline::enforce,
            ))
            .layer(axum::middleware::from_fn_with_state(metrics.clone(), track));
        for path in ["/slow/1", "/fast/1", "/fast/2", "/nowhere", "/else/where"] {
            app.clone()
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
        }
        for method in ["BREW", "WHEN"] {
            let request = Request::builder()
                .method(method)
                .uri("/nowhere")
                .body(Body::empty())
                .unwrap();
            app.clone().oneshot(request).await.unwrap();
        }
        let text = metrics.render(None, 0);
        for series in [
            r#"lakecat_http_requests_total{route="/slow/{n}",method="GET",status="503"} 1"#,
            r#"lakecat_http_requests_total{route="/fast/{n}",method="GET",status="200"} 2"#,
            r#"lakecat_http_requests_total{route="unmatched",method="GET",status="404"} 2"#,
            r#"lakecat_http_requests_total{route="unmatched",method="other",status="404"} 2"#,
        ] {
            assert!(text.contains(series), "no {series} in:\n{text}");
        }
        assert!(!text.contains("BREW"), "{text}");
    }
}
