//! The web auth endpoints: tokens travel only in HttpOnly cookies, never in a body.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::cookies;
use super::extract::{JsonBody, OptionalJson};
use crate::backend::audit::ClientInfo;
use crate::backend::authn::{
    cookie_value, presented_access_token, sign_out_pending, Authenticated, REFRESH_COOKIE,
};
use crate::backend::error::{ApiError, ApiResult};
use crate::backend::rate_limit::{REFRESH_PER_IP, REGISTER_PER_IP, SIGN_OUT};
use crate::backend::secret::Secret;
use crate::backend::signin::{self, IssuedTokens, Refreshed};
use crate::backend::signout::{self, LeavingDevice, SignOutScope};
use crate::backend::state::AppState;
use crate::backend::users::User;
use crate::backend::{sessions, users};
use crate::wire::{
    ApiErrorBody, Credentials, LogoutAllRequest, LogoutAllResponse, LogoutRequest, LogoutResponse,
    Registration, SignedIn, UserView,
};

fn user_view(user: &User) -> UserView {
    UserView {
        id: user.id.clone(),
        email: user.email.clone(),
        display_name: user.public_name(),
        created_at: user.created_at,
    }
}

/// The response of every call that starts or continues a session in a browser.
fn signed_in_response(state: &AppState, status: StatusCode, tokens: IssuedTokens) -> Response {
    let mut headers = HeaderMap::new();
    cookies::set_access(&mut headers, &state.config, &tokens.access_token);
    if let Some(refresh) = &tokens.refresh_token {
        cookies::set_refresh(&mut headers, &state.config, refresh);
    }
    let body = SignedIn {
        user: user_view(&tokens.user),
        session_id: tokens.access_claims.sid.clone(),
    };
    (status, headers, Json(body)).into_response()
}

fn client_key(client: &ClientInfo) -> String {
    client.ip.clone().unwrap_or_default()
}

/// Creates an account and signs it in on this device.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth",
    request_body = Registration,
    responses(
        (status = 201, description = "signed up and in; the tokens are set as cookies", body = SignedIn),
        (status = 400, description = "invalid email, password or display name, or a malformed body", body = ApiErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
        (status = 409, description = "the email has an account", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many sign-ups from this address", body = ApiErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    JsonBody(input): JsonBody<Registration>,
) -> ApiResult<Response> {
    state.rate_limit(REGISTER_PER_IP, &client_key(&client))?;
    let tokens = signin::register(
        &state,
        &input.email,
        input.display_name.as_deref(),
        Secret::new(input.password),
        &client,
    )
    .await?;
    let mut response = signed_in_response(&state, StatusCode::CREATED, tokens);
    finish_pending_sign_out(&state, &headers, &client, response.headers_mut()).await?;
    Ok(response)
}

/// Starts a new session (a new session id every time: fixation defence).
#[utoipa::path(post, path = "/api/auth/login", tag = "auth",
    request_body = Credentials,
    responses(
        (status = 200, description = "signed in; the tokens are set as cookies", body = SignedIn),
        (status = 400, description = "a malformed body", body = ApiErrorBody),
        (status = 401, description = "wrong email or password", body = ApiErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many failed sign-ins", body = ApiErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    JsonBody(input): JsonBody<Credentials>,
) -> ApiResult<Response> {
    let tokens =
        signin::sign_in(&state, &input.email, Secret::new(input.password), &client).await?;
    let mut response = signed_in_response(&state, StatusCode::OK, tokens);
    finish_pending_sign_out(&state, &headers, &client, response.headers_mut()).await?;
    Ok(response)
}

#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth",
    security(("refresh_cookie" = [])),
    responses(
        (status = 200, description = "rotated; new cookies are set", body = SignedIn),
        (status = 401, description = "invalid, revoked or expired; the cookies are cleared", body = ApiErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
        (status = 429, description = "too many refreshes from this address", body = ApiErrorBody),
    ))]
/// Exchanges the refresh cookie for new cookies. When refused, the cookies are cleared so
/// the browser stops presenting a dead token.
pub async fn refresh(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
) -> ApiResult<Response> {
    state.rate_limit(REFRESH_PER_IP, &client_key(&client))?;
    let refused = |error: ApiError| {
        let mut out = HeaderMap::new();
        cookies::clear_both(&mut out, &state.config);
        (out, error).into_response()
    };
    // A browser whose sign-out is still pending must not be signed back in.
    let presented = cookie_value(&headers, REFRESH_COOKIE).filter(|_| !sign_out_pending(&headers));
    let Some(presented) = presented.map(Secret::new) else {
        return Ok(refused(ApiError::InvalidRefreshToken));
    };
    match signin::refresh(&state, &presented, true, &client).await? {
        Refreshed::Tokens(tokens) => Ok(signed_in_response(&state, StatusCode::OK, *tokens)),
        Refreshed::Refused => Ok(refused(ApiError::InvalidRefreshToken)),
        Refreshed::Expired => Ok(refused(ApiError::SessionExpired)),
    }
}

/// Ends the session this request presents: by its refresh token (body or cookie) and by
/// its access token, even an expired one, whose `jti` is deny-listed too. Returns how many
/// live sessions ended.
async fn end_presented_session(
    state: &AppState,
    headers: &HeaderMap,
    refresh_in_body: Option<String>,
    client: &ClientInfo,
) -> ApiResult<usize> {
    let access =
        presented_access_token(headers).and_then(|t| state.keys.verify_ignoring_expiry(&t));
    let refresh = refresh_in_body
        .filter(|t| !t.is_empty())
        .or_else(|| cookie_value(headers, REFRESH_COOKIE))
        .map(Secret::new);
    let refresh_session = match &refresh {
        Some(token) => sessions::session_of_refresh_token(&state.db, token).await?,
        None => None,
    };
    signout::sign_out_device(
        state,
        LeavingDevice {
            access,
            refresh_session,
        },
        client,
    )
    .await
}

/// A browser whose earlier sign-out never reached us signs in again: finish that sign-out
/// first (the new cookies are about to replace the old ones, the last trace of it), and
/// drop the marker so the new session's cookies count.
async fn finish_pending_sign_out(
    state: &AppState,
    headers: &HeaderMap,
    client: &ClientInfo,
    out: &mut HeaderMap,
) -> ApiResult<()> {
    if sign_out_pending(headers) {
        end_presented_session(state, headers, None, client).await?;
        cookies::clear_sign_out_pending(out);
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    security((), ("bearer" = []), ("access_cookie" = []), ("refresh_cookie" = [])),
    request_body(content = Option<LogoutRequest>, description = "optional; `refreshToken` names the session too"),
    responses(
        (status = 200, description = "signed out (also when there was nothing to end)", body = LogoutResponse),
        (status = 400, description = "a malformed body", body = ApiErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many sign-out requests", body = ApiErrorBody),
    ))]
/// Signs this device out. Idempotent and 200 whatever was (or was not) presented, so that
/// it reveals nothing about tokens and can be retried safely. Two exceptions: the sign-out
/// limit, which applies only to requests that ended nothing (a request that ends a live
/// session is always carried out, whatever came before it from that IP), and a 503 when
/// the database cannot be reached, with the cookies left in place for the retry (this
/// process refuses the presented session meanwhile).
pub async fn logout(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    JsonBody(input): OptionalJson<LogoutRequest>,
) -> ApiResult<Response> {
    // The answer clears this browser either way: its cookies named a session that has
    // now ended, or nothing live at all.
    let mut out = HeaderMap::new();
    cookies::sign_browser_out(&mut out, &state.config);
    if sign_out_pending(&headers) {
        cookies::clear_sign_out_pending(&mut out);
    }

    let access =
        presented_access_token(&headers).and_then(|t| state.keys.verify_ignoring_expiry(&t));
    if let Some(claims) = &access {
        signout::refuse_session_here_at_once(&state, claims);
    }
    let (in_headers, in_client) = (headers.clone(), client.clone());
    let ended = state
        .run_to_completion(move |state| async move {
            end_presented_session(&state, &in_headers, input.refresh_token, &in_client).await
        })
        .await?;
    if ended == 0 {
        let rate_key = access
            .map(|c| format!("session:{}", c.sid))
            .unwrap_or_else(|| client_key(&client));
        if let Err(limited) = state.rate_limit(SIGN_OUT, &rate_key) {
            return Ok((out, limited).into_response());
        }
    }

    let body = LogoutResponse {
        success: true,
        message: "You have been signed out".into(),
        timestamp: state.clock.now(),
    };
    Ok((out, Json(body)).into_response())
}

#[utoipa::path(post, path = "/api/auth/logout-all", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    request_body(content = Option<LogoutAllRequest>, description = "optional; `keepCurrent: true` keeps this session"),
    responses(
        (status = 200, description = "the sessions ended", body = LogoutAllResponse),
        (status = 400, description = "a malformed body", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many sign-out requests", body = ApiErrorBody),
    ))]
/// Signs out every device of the user, or every other device with `keepCurrent: true`.
/// Signing out everywhere always ends the caller's live session, so it is never limited;
/// signing out the others counts against the sign-out limit only when there were none.
pub async fn logout_all(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
    JsonBody(input): OptionalJson<LogoutAllRequest>,
) -> ApiResult<Response> {
    let scope = if input.keep_current {
        SignOutScope::OthersKeepCurrent
    } else {
        SignOutScope::Everywhere
    };
    let caller = auth.claims.clone();
    let revoked = state
        .run_to_completion(move |state| async move {
            signout::sign_out_user(&state, &caller, scope, &client).await
        })
        .await?;
    if revoked == 0 && scope == SignOutScope::OthersKeepCurrent {
        state.rate_limit(SIGN_OUT, auth.session_id())?;
    }

    let mut out = HeaderMap::new();
    let message = match scope {
        SignOutScope::OthersKeepCurrent => format!("Signed out {revoked} other device(s)"),
        SignOutScope::Everywhere => {
            cookies::sign_browser_out(&mut out, &state.config);
            format!("Signed out from all devices ({revoked} session(s))")
        }
    };
    let body = LogoutAllResponse {
        success: true,
        message,
        revoked,
        timestamp: state.clock.now(),
    };
    Ok((out, Json(body)).into_response())
}

/// The signed-in user of this request.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "the signed-in user", body = SignedIn),
        (status = 401, description = "not signed in", body = ApiErrorBody),
    ))]
pub async fn me(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<SignedIn>> {
    let session = users::signed_in_as(&state.db, &auth).await?;
    Ok(Json(session.ok_or(ApiError::Unauthenticated)?))
}
