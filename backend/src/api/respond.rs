//! The JSON door's half of every action: an outcome (`crate::service::Outcome`) becomes a
//! status, a JSON body and headers. Where a browser lands next and a pending sign-out
//! concern a browser's page, not this API: its clients retry a 503 themselves.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::cookies;
use crate::service::Outcome;
use crate::state::AppState;

/// The answer of an action: `status` and the JSON answer when it was done, the error's
/// status and body when refused; its cookies and `Clear-Site-Data` either way.
pub fn respond<T: Serialize>(
    state: &AppState,
    status: StatusCode,
    outcome: Outcome<T>,
) -> Response {
    let mut headers = HeaderMap::new();
    cookies::write(&mut headers, &state.config, &outcome.cookies);
    if outcome.clear_site_data {
        cookies::clear_site_data(&mut headers);
    }
    match outcome.answer {
        Ok(answer) => (status, headers, Json(answer)).into_response(),
        Err(error) => (headers, error).into_response(),
    }
}
