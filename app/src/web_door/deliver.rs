//! An outcome delivered through a server function: its answer becomes the function's
//! return value, its cookies and `Clear-Site-Data` go on the response, and a plain HTML
//! form post is redirected to where the user lands next, with a one-time notice for that
//! page (the `flash` cookies, read by `api::guards::page_session`). The WASM client
//! chooses its own way (the sign-out flow navigates with `replace`), so no redirect is made
//! for its calls.

use backend::api::cookies;
use backend::error::ApiError;
use backend::service::{Next, Outcome};
use http::{header, request::Parts, HeaderMap};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use wire::{Landing, Notice};

use super::context::{app_state, refused};
use crate::app_error::AppError;

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

/// Delivers an action's outcome (see the module's comment).
///
/// A sign-out that could not be carried out (`sign_out_pending`) is answered with its
/// error; the WASM client keeps its cookies and retries. A plain form post cannot retry,
/// so its browser is marked as signing out instead: the marker makes its auth cookies
/// count for nothing, and its next sign-in finishes the revocation.
pub fn deliver<T>(outcome: Outcome<T>) -> Result<T, AppError> {
    let state = app_state()?;
    let mut headers = HeaderMap::new();
    cookies::write(&mut headers, &state.config, &outcome.cookies);
    if outcome.clear_site_data {
        cookies::clear_site_data(&mut headers);
    }
    if is_plain_form_post() {
        if let Err(ApiError::ReauthenticationRequired { .. }) = &outcome.answer {
            // No dialog without JavaScript: a page asks for the password, then comes back.
            leptos_axum::redirect(&reauthenticate_then(came_from()));
        }
        if outcome.sign_out_pending {
            cookies::set_sign_out_pending(&mut headers, &state.config);
        }
        if let Some(next) = &outcome.next {
            leptos_axum::redirect(next.landing.path());
            flash(&state.config, next, &mut headers);
        }
    }
    send(headers);
    outcome.answer.map_err(refused)
}

/// The page a plain form post came from, as one of the app's landings (the guards drop a
/// foreign `Referer`).
fn came_from() -> Option<Landing> {
    let parts = use_context::<Parts>()?;
    let referer = parts.headers.get(header::REFERER)?.to_str().ok()?;
    let path = referer
        .split_once("://")
        .map(|(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]))
        .unwrap_or(referer);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    Landing::of_path(path)
}

/// The page that asks for the password again, then sends the browser back.
pub fn reauthenticate_then(back: Option<Landing>) -> String {
    let back = back.unwrap_or(Landing::Profile);
    format!("{}?then={}", wire::routes::REAUTHENTICATE_PATH, back.path())
}

/// For a plain form post: go to `landing` next, and show `notice` there (an action that
/// has no service outcome, such as writing a post).
pub fn land(landing: Landing, notice: Option<Notice>) {
    if !is_plain_form_post() {
        return;
    }
    leptos_axum::redirect(landing.path());
    if let Ok(state) = app_state() {
        let mut headers = HeaderMap::new();
        let next = Next {
            landing,
            notice,
            named_device: None,
        };
        flash(&state.config, &next, &mut headers);
        send(headers);
    }
}

/// For a plain form post that failed: the email (and the display name of a sign-up) typed
/// come back in the re-rendered form (the password never does).
pub fn keep_typed(email: &str, display_name: Option<&str>) {
    let Ok(state) = app_state() else {
        return;
    };
    if !is_plain_form_post() {
        return;
    }
    let mut headers = HeaderMap::new();
    let display_name = display_name.filter(|name| !name.is_empty());
    let cookies = [
        (!email.is_empty())
            .then(|| cookies::flash_email(&state.config, email))
            .flatten(),
        display_name.and_then(|name| cookies::flash_display_name(&state.config, name)),
    ];
    for cookie in cookies.into_iter().flatten() {
        headers.append(header::SET_COOKIE, cookie);
    }
    send(headers);
}

/// The one-time notice of the page a plain form post lands on, and the device it names.
fn flash(config: &backend::config::Config, next: &Next, headers: &mut HeaderMap) {
    let notice = next.notice.and_then(|n| cookies::flash_notice(config, n));
    let device = next
        .named_device
        .as_deref()
        .and_then(|d| cookies::flash_device(config, d));
    for cookie in notice.into_iter().chain(device) {
        headers.append(header::SET_COOKIE, cookie);
    }
}

fn send(headers: HeaderMap) {
    if let Some(options) = use_context::<ResponseOptions>() {
        for (name, value) in headers.iter() {
            options.append_header(name.clone(), value.clone());
        }
    }
}
