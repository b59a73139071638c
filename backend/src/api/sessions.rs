//! The devices list, revoking one device, the security activity, and the push channel
//! that tells an open page at once that its session has ended.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::extract::JsonBody;
use super::respond::respond;
use crate::audit::ClientInfo;
use crate::authn::Authenticated;
use crate::devices;
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::session_page::Page;
use crate::sessions::{self, RevokeReason};
use crate::state::AppState;
use wire::{
    ActivityEntry, ApiErrorBody, RevokeSessionRequest, SessionDetails, SessionEnd, SessionView,
    SessionsEnded,
};

/// `?limit=&cursor=`, both optional; kept as text so that a bad value gets this API's
/// own 400 body.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

/// The caller's active sessions, newest activity first: the whole list (a JSON array, as
/// always), or with `?limit=` one page of that array and, when more follow, a
/// `Link: <…>; rel="next"` header (RFC 8288) whose target carries the next `cursor`.
#[utoipa::path(get, path = "/api/auth/sessions", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    params(
        ("limit" = Option<i64>, Query, description = "page size, 1 to 200; without it, the whole list"),
        ("cursor" = Option<String>, Query, description = "where the page starts, from the previous page's `Link` header"),
    ),
    responses(
        (status = 200, description = "the active sessions, or one page of them", body = Vec<SessionView>,
            headers(("link" = String, description = "`<…>; rel=\"next\"` when another page follows"))),
        (status = 400, description = "a limit out of range or a cursor this server did not make", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(query) =
        query.map_err(|_| ApiError::InvalidInput("the query string is not valid".into()))?;
    let page = Page::from_query(query.limit.as_deref(), query.cursor.as_deref())?;
    let (views, next) = devices::session_views(
        &state.db,
        auth.user_id(),
        auth.session_id(),
        state.clock.now(),
        page.as_ref(),
    )
    .await?;
    let mut headers = HeaderMap::new();
    if let (Some(page), Some(next)) = (&page, next) {
        let link = format!(
            "</api/auth/sessions?limit={}&cursor={}>; rel=\"next\"",
            page.limit,
            next.encode()
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, value);
        }
    }
    Ok((headers, Json::<Vec<SessionView>>(views)).into_response())
}

#[utoipa::path(post, path = "/api/auth/sessions/revoke", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    request_body = RevokeSessionRequest,
    responses(
        (status = 200, description = "the session ended", body = SessionsEnded),
        (status = 400, description = "no session id, or a malformed body", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "another device's session with a stale password (`reauthentication_required`), or a cross-origin browser request", body = ApiErrorBody),
        (status = 404, description = "no such active session of the caller", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many sign-out requests", body = ApiErrorBody),
    ))]
/// Ends one of the caller's sessions. Someone else's session, or one that is already
/// over, is a 404 and changes nothing. Only those count against the sign-out limit: a
/// revoke that ends a live session is always carried out.
pub async fn revoke(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
    JsonBody(input): JsonBody<RevokeSessionRequest>,
) -> Response {
    let outcome = service::revoke_device(&state, &auth, &client, input.session_id).await;
    respond(&state, StatusCode::OK, outcome)
}

/// One of the caller's sessions in full: live, or ended in the last 30 days (how and when).
#[utoipa::path(get, path = "/api/auth/sessions/{id}", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    params(("id" = String, Path, description = "the session's id, as the list gives it")),
    responses(
        (status = 200, description = "the session", body = SessionDetails),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 404, description = "no such session of the caller (someone else's, an unknown id, or one that ended long ago)", body = ApiErrorBody),
    ))]
pub async fn details(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<SessionDetails>> {
    devices::session_details(
        &state.db,
        auth.user_id(),
        auth.session_id(),
        &id,
        state.clock.now(),
    )
    .await?
    .map(Json)
    .ok_or(ApiError::NotFound)
}

/// `?limit=`, optional.
#[derive(Debug, Default, Deserialize)]
pub struct ActivityQuery {
    limit: Option<String>,
}

/// The caller's most recent security events, newest first.
#[utoipa::path(get, path = "/api/auth/activity", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    params(
        ("limit" = Option<i64>, Query, description = "how many, 1 to 200; 20 when not given"),
    ),
    responses(
        (status = 200, description = "recent security events", body = Vec<ActivityEntry>),
        (status = 400, description = "a limit out of range", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
    ))]
pub async fn activity(
    State(state): State<AppState>,
    auth: Authenticated,
    query: Result<Query<ActivityQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<ActivityEntry>>> {
    let Query(query) =
        query.map_err(|_| ApiError::InvalidInput("the query string is not valid".into()))?;
    let limit = devices::activity_limit(query.limit.as_deref())?;
    Ok(Json(
        devices::activity_entries(&state.db, auth.user_id(), limit).await?,
    ))
}

/// `GET /api/auth/events`: server-sent events for this session. The stream sends one
/// `session-ended` event, whose data says why (`wire::SessionEnd`: `sign_out`,
/// `sign_out_everywhere`, `sign_out_others`, `revoked`, `password_changed`,
/// `email_changed`, `security_concern`), the moment the revocation view stops allowing
/// the caller's token (whichever process revoked it), then closes. Keep-alive comments
/// hold it open.
#[utoipa::path(get, path = "/api/auth/events", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "a server-sent-events stream: one `session-ended` event, then the end",
            content_type = "text/event-stream", body = String),
        (status = 401, description = "not signed in", body = ApiErrorBody),
    ))]
pub async fn events(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.revocations.subscribe();
    let start = Some((receiver, state, auth.claims));
    let stream = futures::stream::unfold(start, |current| async move {
        let (mut receiver, state, claims) = current?;
        loop {
            // Checked before every wait, so a revocation between the authentication and
            // the subscription is not missed.
            if !state.revocations.allows(&claims) {
                let said = why_it_ended(&state, &claims.sid).await.as_str();
                let ended = Event::default().event("session-ended").data(said);
                return Some((Ok(ended), None));
            }
            match receiver.recv().await {
                Ok(()) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// How long the push channel waits for the reason of an end to be committed.
const REASON_WAIT: Duration = Duration::from_secs(2);

/// Why the session ended, as its stored reason says. A sign-out of this device is refused
/// by this process *before* the database records it (so that the token dies at once), so
/// the reason may not be committed yet when the stream wakes: it is read again as the
/// revocation view changes (the commit applies to it), for a bounded time. A session
/// refused with no reason recorded by then was refused by this process alone, which only
/// a sign-out of the device itself does (its database write still pending).
async fn why_it_ended(state: &AppState, session_id: &str) -> SessionEnd {
    let mut changes = state.revocations.subscribe();
    let deadline = tokio::time::Instant::now() + REASON_WAIT;
    loop {
        let stored = sessions::revoked_reason(&state.db, session_id).await;
        if let Some(reason) = stored
            .ok()
            .flatten()
            .as_deref()
            .and_then(RevokeReason::parse)
        {
            return reason.told_to_holder();
        }
        match tokio::time::timeout_at(deadline, changes.recv()).await {
            Ok(Ok(()) | Err(RecvError::Lagged(_))) => continue,
            Ok(Err(RecvError::Closed)) | Err(_) => return SessionEnd::SignOut,
        }
    }
}
