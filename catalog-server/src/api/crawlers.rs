//! `/v1/crawlers`: crawler definitions, starting and stopping crawls, and their runs.

use axum::extract::State;
use axum::http::StatusCode;
use lakecat_catalog::Tags;
use lakecat_catalog::crawlers::{CrawlRun, CrawlRunSummary, Crawler, CrawlerInput, CrawlerMetrics};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AppState, Json, PageParams, Path, Query, split_member};
use crate::auth::{Role, WEBHOOK_SECRET_HEADER, presented_webhook_secret};
use crate::error::{ApiError, ApiResult, ErrorResponse};

/// The path of a crawler.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct CrawlerPath {
    /// Crawler name.
    pub crawler: String,
}

/// The path of a crawl run.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct RunPath {
    /// Crawler name.
    pub crawler: String,
    /// Run id.
    pub run_id: String,
}

/// Optimistic concurrency for updates.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct VersionParams {
    /// Fail with 409 unless the crawler is at this version.
    pub expected_version: Option<i64>,
}

/// A page of crawlers.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CrawlerList {
    /// Crawlers, by name.
    pub crawlers: Vec<Crawler>,
    /// Pass as `page_token` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// A page of crawl runs.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RunList {
    /// Runs, newest first.
    pub runs: Vec<CrawlRunSummary>,
    /// Pass as `page_token` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// Lists crawlers by name.
#[utoipa::path(
    get,
    path = "/v1/crawlers",
    tag = "crawlers",
    params(PageParams),
    responses(
        (status = 200, body = CrawlerList),
        (status = 400, description = "Bad page size or token", body = ErrorResponse),
    )
)]
pub(super) async fn list_crawlers(
    State(state): State<AppState>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<CrawlerList>> {
    let listing = state.crawlers.list_crawlers(page.into()).await?;
    Ok(Json(CrawlerList {
        crawlers: listing.items,
        next_page_token: listing.next_page_token,
    }))
}

/// A crawler to create, with its tags.
#[derive(Debug, Deserialize, ToSchema)]
// `flatten` describes the document; reading goes through `split_member`.
#[serde(try_from = "serde_json::Map<String, serde_json::Value>")]
pub(crate) struct CreateCrawlerRequest {
    /// The crawler's definition.
    #[serde(flatten)]
    pub(crate) crawler: CrawlerInput,
    /// Tags (at most 50), written in the same transaction as the crawler: when they are
    /// refused, the crawler is not created either.
    #[serde(default)]
    pub(crate) tags: Tags,
    /// A secret that `POST /v1/crawlers/{name}/events` accepts instead of an editor token
    /// (16 to 512 visible ASCII characters), in `X-Lakecat-Webhook-Secret` or as
    /// `Authorization: Bearer <secret>` (MinIO's `auth_token`). Never shown again: reads
    /// say only `webhook_secret_set`.
    #[serde(default)]
    #[schema(write_only)]
    pub(crate) webhook_secret: Option<String>,
}

impl TryFrom<serde_json::Map<String, serde_json::Value>> for CreateCrawlerRequest {
    type Error = serde_json::Error;

    fn try_from(
        mut members: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, serde_json::Error> {
        // `null` on a create is no secret.
        let webhook_secret = take_webhook_secret(&mut members)?.flatten();
        let (crawler, tags) = split_member(members, "tags")?;
        Ok(CreateCrawlerRequest {
            crawler,
            tags,
            webhook_secret,
        })
    }
}

/// Takes `webhook_secret` out of a request's members: absent (`None`), `null` (`Some(None)`)
/// or a string. The error never repeats the value.
fn take_webhook_secret(
    members: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<Option<Option<String>>, serde_json::Error> {
    use serde::de::Error as _;
    match members.remove("webhook_secret") {
        None => Ok(None),
        Some(serde_json::Value::Null) => Ok(Some(None)),
        Some(serde_json::Value::String(secret)) => Ok(Some(Some(secret))),
        Some(_) => Err(serde_json::Error::custom(
            "webhook_secret: expected a string (or null to remove it)",
        )),
    }
}

/// A crawler's new definition, and what becomes of its webhook secret.
#[derive(Debug, Deserialize, ToSchema)]
// `flatten` describes the document; reading goes through `take_webhook_secret`.
#[serde(try_from = "serde_json::Map<String, serde_json::Value>")]
pub(crate) struct UpdateCrawlerRequest {
    /// The crawler's definition.
    #[serde(flatten)]
    pub(crate) crawler: CrawlerInput,
    /// A new webhook secret (as on create); `null` removes it; absent, the crawler keeps
    /// the one it has (reads never return it).
    #[serde(default)]
    #[schema(write_only, value_type = Option<String>)]
    pub(crate) webhook_secret: Option<Option<String>>,
}

impl TryFrom<serde_json::Map<String, serde_json::Value>> for UpdateCrawlerRequest {
    type Error = serde_json::Error;

    fn try_from(
        mut members: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, serde_json::Error> {
        use serde::de::Error as _;
        let webhook_secret = take_webhook_secret(&mut members)?;
        let crawler = serde_path_to_error::deserialize(serde_json::Value::Object(members))
            .map_err(|error| serde_json::Error::custom(error.to_string()))?;
        Ok(UpdateCrawlerRequest {
            crawler,
            webhook_secret,
        })
    }
}

/// Creates a crawler, with its tags. Its targets must be URLs the crawler can open and its
/// exclusions valid globs; its custom classifiers must exist.
#[utoipa::path(
    post,
    path = "/v1/crawlers",
    tag = "crawlers",
    request_body = CreateCrawlerRequest,
    responses(
        (status = 201, body = Crawler),
        (status = 400, description = "Invalid definition or tags", body = ErrorResponse),
        (status = 404, description = "A custom classifier does not exist", body = ErrorResponse),
        (status = 409, description = "The crawler exists", body = ErrorResponse),
    )
)]
pub(super) async fn create_crawler(
    State(state): State<AppState>,
    Json(request): Json<CreateCrawlerRequest>,
) -> ApiResult<(StatusCode, Json<Crawler>)> {
    // A bad secret is refused before anything is created.
    if let Some(secret) = &request.webhook_secret {
        check_webhook_secret(secret)?;
    }
    let name = request.crawler.name.clone();
    let mut crawler = state
        .crawlers
        .create_crawler_with_tags(request.crawler, request.tags)
        .await?;
    if let Some(secret) = &request.webhook_secret {
        state
            .crawlers
            .set_webhook_secret(&crawler.definition.name, Some(secret))
            .await?;
        crawler.webhook_secret_set = true;
        tracing::info!(crawler = %name, "webhook secret set");
    }
    Ok((StatusCode::CREATED, Json(crawler)))
}

/// Reads a crawler, with its state and last crawl.
#[utoipa::path(
    get,
    path = "/v1/crawlers/{crawler}",
    tag = "crawlers",
    params(CrawlerPath),
    responses(
        (status = 200, body = Crawler),
        (status = 404, description = "No such crawler", body = ErrorResponse),
    )
)]
pub(super) async fn get_crawler(
    State(state): State<AppState>,
    Path(CrawlerPath { crawler }): Path<CrawlerPath>,
) -> ApiResult<Json<Crawler>> {
    Ok(Json(state.crawlers.get_crawler(&crawler).await?))
}

/// Replaces a crawler's definition; the body's name must be the crawler's. Refused while
/// it runs.
#[utoipa::path(
    put,
    path = "/v1/crawlers/{crawler}",
    tag = "crawlers",
    params(CrawlerPath, VersionParams),
    request_body = UpdateCrawlerRequest,
    responses(
        (status = 200, body = Crawler),
        (status = 400, description = "Invalid definition", body = ErrorResponse),
        (status = 404, description = "No such crawler", body = ErrorResponse),
        (status = 409, description = "It is running, or at another version", body = ErrorResponse),
    )
)]
pub(super) async fn update_crawler(
    State(state): State<AppState>,
    Path(CrawlerPath { crawler }): Path<CrawlerPath>,
    Query(version): Query<VersionParams>,
    Json(request): Json<UpdateCrawlerRequest>,
) -> ApiResult<Json<Crawler>> {
    let input = request.crawler;
    if input.name != crawler {
        return Err(ApiError::invalid(format!(
            "name: crawlers cannot be renamed (the body names {}, the path {crawler})",
            input.name
        )));
    }
    if let Some(Some(secret)) = &request.webhook_secret {
        check_webhook_secret(secret)?;
    }
    let mut updated = state
        .crawlers
        .update_crawler(input, version.expected_version)
        .await?;
    let Some(secret) = &request.webhook_secret else {
        return Ok(Json(updated));
    };
    let secret = secret.as_deref();
    state.crawlers.set_webhook_secret(&crawler, secret).await?;
    updated.webhook_secret_set = secret.is_some();
    tracing::info!(crawler = %crawler, set = secret.is_some(), "webhook secret changed");
    Ok(Json(updated))
}

/// Refuses a webhook secret that cannot be stored, before anything is written.
fn check_webhook_secret(secret: &str) -> Result<(), ApiError> {
    lakecat_catalog::crawlers::service::check_webhook_secret(secret)
        .map_err(|error| ApiError::invalid(error.to_string()))
}

/// Deletes a crawler and its run records (not the tables it wrote). Refused while it runs.
#[utoipa::path(
    delete,
    path = "/v1/crawlers/{crawler}",
    tag = "crawlers",
    params(CrawlerPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such crawler", body = ErrorResponse),
        (status = 409, description = "It is running", body = ErrorResponse),
    )
)]
pub(super) async fn delete_crawler(
    State(state): State<AppState>,
    Path(CrawlerPath { crawler }): Path<CrawlerPath>,
) -> ApiResult<StatusCode> {
    state.crawlers.delete_crawler(&crawler).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/crawlers/{crawler}:start`, `:stop`, `:startSchedule` and `:stopSchedule`.
pub(super) async fn crawler_action(
    state: State<AppState>,
    Path(CrawlerPath { crawler }): Path<CrawlerPath>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let unknown = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no such endpoint: POST /v1/crawlers/{name}:start, :stop, :dryRun, :startSchedule \
             or :stopSchedule; see /docs",
        )
    };
    let (name, action) = crawler.rsplit_once(':').ok_or_else(unknown)?;
    let path = Path(CrawlerPath {
        crawler: name.to_string(),
    });
    Ok(match action {
        "start" => start_crawl(state, path).await?.into_response(),
        "stop" => stop_crawl(state, path).await?.into_response(),
        "dryRun" => dry_run(state, path).await?.into_response(),
        "startSchedule" => start_schedule(state, path).await?.into_response(),
        "stopSchedule" => stop_schedule(state, path).await?.into_response(),
        _ => return Err(unknown()),
    })
}

/// Resumes a crawler's paused schedule, so that it starts crawls again.
#[utoipa::path(
    post,
    path = "/v1/crawlers/{crawler}:startSchedule",
    tag = "crawlers",
    params(CrawlerPath),
    responses(
        (status = 200, description = "Resumed", body = Crawler),
        (status = 404, description = "No such crawler", body = ErrorResponse),
        (status = 409, description = "It has no schedule (NO_SCHEDULE), its schedule is not paused (SCHEDULE_RUNNING), or it is running (CRAWLER_RUNNING)", body = ErrorResponse),
    )
)]
pub(super) async fn start_schedule(
    State(state): State<AppState>,
    Path(CrawlerPath { crawler }): Path<CrawlerPath>,
) -> ApiResult<Json<Crawler>> {
    let crawlers = state.crawlers.crawlers();
    Ok(Json(crawlers.start_schedule(&crawler).await?))
}

/// Pauses a crawler's schedule: it keeps its expression but starts no crawls until resumed.
#[utoipa::path(
    post,
    path = "/v1/crawlers/{crawler}:stopSchedule",
    tag = "crawlers",
    params(CrawlerPath),
    responses(
        (status = 200, description = "Paused", body = Crawler),
        (status = 404, description = "No such crawler", body = ErrorResponse),
        (status = 409, description = "It has no schedule or its schedule is paused (SCHEDULE_NOT_RUNNING), or it is running (CRAWLER_RUNNING)", body = ErrorResponse),
    )
)]
pub(super) async fn stop_schedule(
    State(state): State<AppState>,
    Path(CrawlerPath { crawler }): Path<CrawlerPath>,
) -> ApiResult<Json<Crawler>> {
    let crawlers = state.crawlers.crawlers();
    Ok(Json(crawlers.stop_schedule(&crawler).await?))
}

/// A crawler's metrics: how long its crawls take (the last and the median of its last 100
/// finished crawls) and what its last finished crawl did to tables.
#[utoipa::path(
    get,
    path = "/v1/crawlers/{crawler}/metrics",
    tag = "crawlers",
    params(CrawlerPath),
    responses(
        (status = 200, body = CrawlerMetrics),
        (status = 404, description = "No such crawler", body = ErrorResponse),
    )
)]
pub(super) async fn get_metrics(
    State(state): State<AppState>,
    Path(CrawlerPath { crawler }): Path<CrawlerPath>,
) -> ApiResult<Json<CrawlerMetrics>> {
    Ok(Json(state.crawlers.crawlers().metrics(&crawler).await?))
}

/// Starts a crawl; it runs in the background. Poll the crawler or the run for its end.
#[utoipa::path(
    post,
    path = "/v1/crawlers/{crawler}:start",
    tag = "crawlers",
    params(CrawlerPath),
    responses(
        (status = 202, description = "Started", body = CrawlRunSummary),
        (status = 404, description = "No such crawler", body = ErrorResponse),
        (status = 409, description = "It is already running (CRAWLER_RUNNING)", body = ErrorResponse),
    )
)]
pub(super) async fn start_crawl(
    State(state): State<AppState>,
    Path(CrawlerPath { crawler }): Path<CrawlerPath>,
) -> ApiResult<(StatusCode, Json<CrawlRunSummary>)> {
    let run = state.crawlers.start_crawl(&crawler).await?;
    Ok((StatusCode::ACCEPTED, Json(run)))
}

/// Plans a crawl without writing anything: reads the targets as a crawl would and answers
/// the run it would be (counts, table changes marked not applied, the grouping decisions,
/// skipped objects), which is not recorded. It may run beside a crawl of the same crawler.
#[utoipa::path(
    post,
    path = "/v1/crawlers/{crawler}:dryRun",
    tag = "crawlers",
    params(CrawlerPath),
    responses(
        (status = 200, description = "The run the crawl would be (id `dry-run`)", body = CrawlRun),
        (status = 404, description = "No such crawler", body = ErrorResponse),
        (status = 400, description = "A target that cannot be crawled (outside the allowed roots, unreadable)", body = ErrorResponse),
    )
)]
pub(super) async fn dry_run(
    State(state): State<AppState>,
    Path(CrawlerPath { crawler }): Path<CrawlerPath>,
) -> ApiResult<Json<CrawlRun>> {
    Ok(Json(state.crawlers.dry_run(&crawler).await?))
}

/// Takes object events for a crawler in event mode (RecrawlPolicy `CRAWL_EVENT_MODE`) and
/// crawls only the folders they name, answering once the crawl is recorded: a 200 means the
/// change is in the catalog; anything else should be retried. The body is an S3 event
/// notification as AWS, MinIO, Ceph RGW or RustFS send it (`{"Records": [...]}`), an SNS
/// notification around one, or `{"changes": [{"url": "s3://bucket/key", "kind": "created"}]}`
/// (`kind` `created` or `removed`). The first crawl of a crawler, and the one after a crawl
/// that did not complete, crawl everything. Takes an editor token, or the crawler's webhook
/// secret in `X-Lakecat-Webhook-Secret` or as `Authorization: Bearer <secret>` (how MinIO
/// sends its `auth_token`); the secret allows nothing else.
#[utoipa::path(
    post,
    path = "/v1/crawlers/{crawler}/events",
    tag = "crawlers",
    params(CrawlerPath),
    request_body(content = String, content_type = "application/json",
        description = "S3 event records, an SNS notification, or {\"changes\": [...]}"),
    responses(
        (status = 200, description = "Crawled and recorded", body = CrawlRun),
        (status = 400, description = "A body of no known shape, or a crawler not in event mode", body = ErrorResponse),
        (status = 401, description = "No editor token, and not the crawler's webhook secret (WEBHOOK_SECRET_INVALID)", body = ErrorResponse),
        (status = 404, description = "No such crawler", body = ErrorResponse),
        (status = 409, description = "A crawl of this crawler is running (CRAWLER_RUNNING): retry", body = ErrorResponse),
        (status = 500, description = "The crawl did not complete (CRAWL_NOT_COMPLETED): retry", body = ErrorResponse),
    )
)]
pub(super) async fn post_events(
    State(state): State<AppState>,
    Path(CrawlerPath { crawler }): Path<CrawlerPath>,
    role: Option<axum::Extension<Role>>,
    headers: axum::http::HeaderMap,
    body: String,
) -> ApiResult<Json<CrawlRun>> {
    let role = role.map(|axum::Extension(role)| role);
    authenticate_webhook(&state, &crawler, role, &headers).await?;
    let run = state.crawlers.crawl_events(&crawler, &body).await?;
    if run.summary.state != lakecat_catalog::crawlers::RunState::Completed {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "CRAWL_NOT_COMPLETED",
            format!(
                "the crawl of the events (run {}) ended {}: {}",
                run.summary.id,
                run.summary.state.as_str(),
                run.summary.error_message.as_deref().unwrap_or("stopped")
            ),
        ));
    }
    Ok(Json(run))
}

/// Lets a post to crawler `crawler`'s webhook through when it comes with an editor's
/// credentials (`role`) or the crawler's webhook secret, or when the server needs no
/// credentials and it presents no secret (a secret presented is always checked).
async fn authenticate_webhook(
    state: &AppState,
    crawler: &str,
    role: Option<Role>,
    headers: &axum::http::HeaderMap,
) -> Result<(), ApiError> {
    if role.is_some_and(|role| role >= Role::Editor) {
        return Ok(());
    }
    let Some(secret) = presented_webhook_secret(headers) else {
        if state.access.required {
            // The middleware lets no such request this far; refused all the same.
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "this webhook needs an editor token or the crawler's webhook secret",
            ));
        }
        return Ok(());
    };
    if state
        .crawlers
        .webhook_secret_matches(crawler, secret)
        .await?
    {
        return Ok(());
    }
    tracing::info!(crawler = %crawler, "webhook post refused: not the crawler's secret");
    Err(ApiError::new(
        StatusCode::UNAUTHORIZED,
        "WEBHOOK_SECRET_INVALID",
        format!(
            "the webhook secret is not crawler {crawler}'s (or it has none): send its secret \
             in {WEBHOOK_SECRET_HEADER} or as Authorization: Bearer, or an editor token"
        ),
    ))
}

/// Asks a running crawl to stop. It finishes the table it is writing, so every table is
/// either as it was or as planned, and records the run as STOPPED.
#[utoipa::path(
    post,
    path = "/v1/crawlers/{crawler}:stop",
    tag = "crawlers",
    params(CrawlerPath),
    responses(
        (status = 202, description = "Stopping"),
        (status = 404, description = "No such crawler", body = ErrorResponse),
        (status = 409, description = "Not running (CRAWLER_NOT_RUNNING) or already stopping (CRAWLER_STOPPING)", body = ErrorResponse),
    )
)]
pub(super) async fn stop_crawl(
    State(state): State<AppState>,
    Path(CrawlerPath { crawler }): Path<CrawlerPath>,
) -> ApiResult<StatusCode> {
    state.crawlers.stop_crawl(&crawler).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Lists a crawler's runs, newest first (1 to 1000 per page).
#[utoipa::path(
    get,
    path = "/v1/crawlers/{crawler}/runs",
    tag = "crawlers",
    params(CrawlerPath, PageParams),
    responses(
        (status = 200, body = RunList),
        (status = 404, description = "No such crawler", body = ErrorResponse),
    )
)]
pub(super) async fn list_runs(
    State(state): State<AppState>,
    Path(CrawlerPath { crawler }): Path<CrawlerPath>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<RunList>> {
    let listing = state.crawlers.list_runs(&crawler, page.into()).await?;
    Ok(Json(RunList {
        runs: listing.items,
        next_page_token: listing.next_page_token,
    }))
}

/// Reads a run: counts, why folders became the tables they did, what changed, and the
/// objects that were skipped or could not be read.
#[utoipa::path(
    get,
    path = "/v1/crawlers/{crawler}/runs/{run_id}",
    tag = "crawlers",
    params(RunPath),
    responses(
        (status = 200, body = CrawlRun),
        (status = 404, description = "No such crawler or run", body = ErrorResponse),
    )
)]
pub(super) async fn get_run(
    State(state): State<AppState>,
    Path(RunPath { crawler, run_id }): Path<RunPath>,
) -> ApiResult<Json<CrawlRun>> {
    Ok(Json(state.crawlers.get_run(&crawler, &run_id).await?))
}
