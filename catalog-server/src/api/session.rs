//! `/v1/session`: what the caller's credentials let it do, so that clients (the web console)
//! can offer only the actions the server would accept.

use axum::Extension;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::{AppState, Json};
use crate::auth::Role;
use crate::error::ErrorResponse;

/// The caller's access.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Session {
    /// Whether this server needs credentials.
    pub access_required: bool,
    /// The caller's role: `reader`, `editor` or `admin` (everyone is `admin` when the server
    /// needs no credentials).
    pub role: &'static str,
}

/// The caller's role, as its bearer token gives it.
#[utoipa::path(
    get,
    path = "/v1/session",
    tag = "operations",
    responses(
        (status = 200, body = Session),
        (status = 401, description = "No valid token, when the server needs one", body = ErrorResponse),
    )
)]
pub(super) async fn get_session(
    State(state): State<AppState>,
    role: Option<Extension<Role>>,
) -> Json<Session> {
    let role = role.map_or(Role::Admin, |Extension(role)| role);
    Json(Session {
        access_required: state.access.required,
        role: role.as_str(),
    })
}
