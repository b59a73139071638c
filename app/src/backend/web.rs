//! The web client's door onto the auth API. Each web action is a server function that
//! forwards, in process, to the JSON API handler of the same action: one implementation of
//! each action (its rate limits, cookies, `Clear-Site-Data`, audit), two doors. This module
//! carries the request in, and the handler's cookies, status and error out.
//!
//! It also answers a plain HTML form post (a browser without JavaScript, or before the WASM
//! has loaded) the way such a browser needs: a redirect to where the user lands next, and a
//! one-time notice for that page (the `flash` cookie, read by `api::guards::page_session`).

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, request::Parts, HeaderName, HeaderValue, Request};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tower::ServiceExt;

use super::api::{self, cookies};
use super::server_fn_auth::{app_state, internal};
use crate::app_error::AppError;
use crate::wire::{ApiErrorBody, Notice};

/// The largest answer of an auth handler is a few hundred bytes.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The request headers an auth handler reads: credentials and who is asking.
const FORWARDED_REQUEST_HEADERS: [HeaderName; 4] = [
    header::COOKIE,
    header::AUTHORIZATION,
    header::USER_AGENT,
    header::HOST,
];

/// The answer headers the browser must get: cookies set or cleared, the order to drop
/// caches and storage, and the rate-limit fields.
fn is_forwarded_answer_header(name: &HeaderName) -> bool {
    [
        header::SET_COOKIE,
        header::RETRY_AFTER,
        header::WWW_AUTHENTICATE,
    ]
    .contains(name)
        || ["clear-site-data", "ratelimit", "ratelimit-policy"].contains(&name.as_str())
}

/// Whether this server function was called by a plain HTML form (a navigation that
/// accepts HTML) rather than by the WASM client (which asks for JSON).
pub fn is_plain_form_post() -> bool {
    use_context::<Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// Runs the JSON API's handler at `path` for this server function's request, and gives
/// its answer back typed. Its cookies and headers go on this response; its error comes
/// back as the `AppError` of the same code and status.
pub async fn forward<Req: Serialize, Resp: DeserializeOwned>(
    path: &'static str,
    body: &Req,
) -> Result<Resp, AppError> {
    let state = app_state()?;
    let parts =
        use_context::<Parts>().ok_or_else(|| internal("no request parts in a server function"))?;
    let json = serde_json::to_vec(body).map_err(internal)?;
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json))
        .map_err(internal)?;
    for name in FORWARDED_REQUEST_HEADERS {
        for value in parts.headers.get_all(&name) {
            request.headers_mut().append(name.clone(), value.clone());
        }
    }
    if let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        request.extensions_mut().insert(*peer);
    }

    let answer = match api::router().with_state(state).oneshot(request).await {
        Ok(answer) => answer,
        Err(never) => match never {},
    };
    let (head, body) = answer.into_parts();
    if let Some(options) = use_context::<ResponseOptions>() {
        for (name, value) in head.headers.iter() {
            if is_forwarded_answer_header(name) {
                options.append_header(name.clone(), value.clone());
            }
        }
    }
    let bytes = axum::body::to_bytes(body, MAX_ANSWER_BYTES)
        .await
        .map_err(internal)?;
    if head.status.is_success() {
        return serde_json::from_slice(&bytes).map_err(internal);
    }
    let mut error: ApiErrorBody = serde_json::from_slice(&bytes).map_err(internal)?;
    error.retry_after = head
        .headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    Err(AppError::from(error).with_status())
}

/// For a plain form post: go to `path` next, and show `notice` there. The WASM client
/// chooses its own way (the sign-out flow navigates with `replace`), so nothing is done
/// for its calls.
pub fn land(path: &str, notice: Option<Notice>) {
    if !is_plain_form_post() {
        return;
    }
    leptos_axum::redirect(path);
    if let (Some(notice), Ok(state)) = (notice, app_state()) {
        set_flash_cookie(cookies::flash_notice(&state.config, notice));
    }
}

/// For a plain form post that failed: the email typed comes back in the re-rendered form
/// (the password never does).
pub fn keep_typed_email(email: &str) {
    if let (true, Ok(state)) = (is_plain_form_post() && !email.is_empty(), app_state()) {
        set_flash_cookie(cookies::flash_email(&state.config, email));
    }
}

/// For a plain "Revoke" that succeeded: the next page's notice names the device.
pub fn name_revoked_device(device: &str) {
    if let (true, Ok(state)) = (is_plain_form_post(), app_state()) {
        set_flash_cookie(cookies::flash_device(&state.config, device));
    }
}

/// For a plain post of a sign-out that the server could not carry out (its database is
/// down): a browser without scripts cannot retry, so it is signed out here at once by the
/// pending marker, which makes its auth cookies count for nothing, and its next sign-in
/// finishes the revocation. (The WASM client sets the same marker itself and retries.)
pub fn mark_sign_out_pending() {
    if let (true, Some(options)) = (is_plain_form_post(), use_context::<ResponseOptions>()) {
        let mut headers = axum::http::HeaderMap::new();
        cookies::set_sign_out_pending(&mut headers);
        for value in headers.get_all(header::SET_COOKIE) {
            options.append_header(header::SET_COOKIE, value.clone());
        }
    }
}

fn set_flash_cookie(cookie: Option<HeaderValue>) {
    if let (Some(options), Some(cookie)) = (use_context::<ResponseOptions>(), cookie) {
        options.append_header(header::SET_COOKIE, cookie);
    }
}
