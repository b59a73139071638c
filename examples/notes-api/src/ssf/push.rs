//! `POST /ssf/events`: the push receiver (RFC 8935). The auth server sends one SET per
//! request with the `Authorization` value we chose when we set up the stream.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::set::{self, NotApplied, SetError};
use crate::AppState;

pub async fn receive_event(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(expected) = &state.push_authorization else {
        // Poll delivery: nobody should push to us.
        return StatusCode::NOT_FOUND.into_response();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !expected.matches(presented) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"err": "authentication_failed", "description": "wrong Authorization"})),
        )
            .into_response();
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if content_type.as_deref() != Some("application/secevent+jwt") {
        return bad_set(SetError {
            err: "invalid_request",
            description: "Content-Type must be application/secevent+jwt".into(),
        });
    }
    let Ok(token) = std::str::from_utf8(&body) else {
        return bad_set(SetError {
            err: "invalid_request",
            description: "not UTF-8".into(),
        });
    };
    match set::receive(&state, token.trim()).await {
        Ok(_) => StatusCode::ACCEPTED.into_response(),
        Err(NotApplied::Invalid(error)) => {
            tracing::warn!(err = error.err, description = %error.description, "security event refused");
            bad_set(error)
        }
        // Not a 400: the transmitter retries anything else, and this SET may be a revocation.
        Err(NotApplied::KeysUnreachable) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

fn bad_set(error: SetError) -> Response {
    let body = json!({"err": error.err, "description": error.description});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
