//! `/v1/schedules:preview`: the next fire times of a crawler schedule expression, checked as
//! a crawler's schedule is, so that a form can show them as the user types.

use lakecat_catalog::crawlers::schedule::Schedule;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Json, Query};
use crate::error::{ApiError, ApiResult, ErrorResponse};

/// Most fire times one preview lists.
const MAX_PREVIEW: usize = 20;

/// The expression to preview.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PreviewParams {
    /// A schedule as crawlers take it: `cron(15 12 * * ? *)` or a five-field cron line, in
    /// UTC.
    pub expression: String,
    /// How many fire times, 1 to 20 (5 by default).
    pub count: Option<usize>,
}

/// A schedule's next fire times.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SchedulePreview {
    /// The expression, as stored.
    pub expression: String,
    /// The next fire times after now, in increasing order (fewer when the schedule ends).
    pub next_runs: Vec<chrono::DateTime<chrono::Utc>>,
}

/// Previews a schedule: its next fire times, or the reason a crawler would refuse it.
#[utoipa::path(
    get,
    path = "/v1/schedules:preview",
    tag = "crawlers",
    params(PreviewParams),
    responses(
        (status = 200, body = SchedulePreview),
        (status = 400, description = "The expression is refused; the message names the field", body = ErrorResponse),
    )
)]
pub(super) async fn preview_schedule(
    Query(params): Query<PreviewParams>,
) -> ApiResult<Json<SchedulePreview>> {
    let count = params.count.unwrap_or(5);
    if !(1..=MAX_PREVIEW).contains(&count) {
        return Err(ApiError::invalid(format!(
            "count: must be 1 to {MAX_PREVIEW} (got {count})"
        )));
    }
    let schedule = Schedule::parse(&params.expression)
        .map_err(|error| ApiError::invalid(format!("schedule: {error}")))?;
    Ok(Json(SchedulePreview {
        expression: schedule.as_str().to_string(),
        next_runs: schedule.upcoming(chrono::Utc::now(), count),
    }))
}
