//! Getting an account back without a session: the password-reset endpoints (JSON), and
//! the "Not me" link's button (a plain form post to `/account/not-me`, where the link's
//! page is; mail scanners that fetch the link only ever GET it, which changes nothing).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use super::cookies;
use super::extract::JsonBody;
use super::respond::respond;
use crate::audit::ClientInfo;
use crate::authn::Presented;
use crate::service::{self, Caller};
use crate::state::AppState;
use wire::{Accepted, ApiErrorBody, Notice, PasswordResetConfirm, PasswordResetRequest, SignedIn};

/// Asks for a password-reset link by mail. Always 202 with the same body, whether or not an
/// account has the address; at most one mail per account every five minutes.
#[utoipa::path(post, path = "/api/auth/password-reset/request", tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "the same answer whatever the address", body = Accepted),
        (status = 400, description = "a malformed body", body = ApiErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many requests from this address", body = ApiErrorBody),
    ))]
pub async fn request(
    State(state): State<AppState>,
    client: ClientInfo,
    presented: Presented,
    JsonBody(input): JsonBody<PasswordResetRequest>,
) -> Response {
    let caller = Caller { presented, client };
    let outcome = service::recovery::request_password_reset(&state, &caller, input.email).await;
    respond(&state, StatusCode::ACCEPTED, outcome)
}

/// Sets a new password with the token of a reset link: every session of the account ends,
/// and this client is signed in with a new one (cookies).
#[utoipa::path(post, path = "/api/auth/password-reset/confirm", tag = "auth",
    request_body = PasswordResetConfirm,
    responses(
        (status = 200, description = "the new password is set; every other session ended; cookies set", body = SignedIn),
        (status = 400, description = "a link that was used, expired or replaced (`invalid_link`), a password that is not accepted, or a malformed body", body = ApiErrorBody),
        (status = 403, description = "a disabled account, or a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
    ))]
pub async fn confirm(
    State(state): State<AppState>,
    client: ClientInfo,
    presented: Presented,
    JsonBody(input): JsonBody<PasswordResetConfirm>,
) -> Response {
    let caller = Caller { presented, client };
    let outcome = service::recovery::confirm_password_reset(&state, &caller, input).await;
    respond(&state, StatusCode::OK, outcome)
}

#[derive(Debug, Default, Deserialize)]
pub struct NotMeForm {
    #[serde(default)]
    token: String,
}

/// The "Not me? Sign out everywhere" button. Every session of the link's account ends; this
/// browser goes on to set a new password. A link that no longer works goes back to its
/// page, which says so.
pub async fn not_me(
    State(state): State<AppState>,
    client: ClientInfo,
    presented: Presented,
    Form(form): Form<NotMeForm>,
) -> Response {
    let caller = Caller { presented, client };
    let token = form.token.clone();
    let outcome = service::recovery::not_me(&state, &caller, form.token).await;
    let mut headers = HeaderMap::new();
    cookies::write(&mut headers, &state.config, &outcome.cookies);
    if outcome.clear_site_data {
        cookies::clear_site_data(&mut headers);
    }
    let location = match &outcome.answer {
        Ok(reset) => {
            if let Some(notice) = cookies::flash_notice(&state.config, Notice::NotMeDone) {
                headers.append(header::SET_COOKIE, notice);
            }
            format!("/reset-password?token={}", reset.expose())
        }
        Err(_) => format!("/account/not-me?token={}", query_value(&token)),
    };
    if let Ok(value) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, value);
    }
    (StatusCode::SEE_OTHER, headers).into_response()
}

/// A token as it may go back into a URL: the characters ours are made of, nothing else.
fn query_value(token: &str) -> String {
    token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(128)
        .collect()
}
