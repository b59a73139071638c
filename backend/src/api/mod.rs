//! The JSON auth API under `/api/auth`, as plain axum handlers: they need exact control
//! over status codes, `Set-Cookie` and error bodies, which curl and API clients rely on.
//! Each action's handler is a thin door onto its service (`crate::service`).

mod account;
mod admin;
mod auth;
pub mod cookies;
mod extract;
pub mod guards;
pub mod oauth;
mod recovery;
mod respond;
mod sessions;
pub mod signals;

use axum::extract::DefaultBodyLimit;
use axum::routing::any;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::state::AppState;

/// Bodies of this API are a few short strings; anything larger is refused with 413.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Every endpoint of the API, each routed together with its OpenAPI description.
pub fn documented_routes() -> OpenApiRouter<AppState> {
    request_routes().merge(push_routes())
}

/// The endpoints that answer a request and are done.
fn request_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::logout_all))
        .routes(routes!(auth::me))
        .routes(routes!(sessions::list))
        .routes(routes!(sessions::revoke))
        .routes(routes!(sessions::details))
        .routes(routes!(sessions::activity))
        .routes(routes!(account::change_password))
        .routes(routes!(account::change_email))
        .routes(routes!(account::report_concern))
        .routes(routes!(account::delete_account))
        .routes(routes!(account::reauthenticate))
        .routes(routes!(recovery::request))
        .routes(routes!(recovery::confirm))
        .routes(routes!(admin::find_users))
        .routes(routes!(admin::user_sessions))
        .routes(routes!(admin::end_user_sessions))
        .routes(routes!(admin::disable_user))
        .routes(routes!(admin::enable_user))
        .routes(routes!(admin::end_every_session))
        .routes(routes!(oauth::token::token))
        .routes(routes!(oauth::revoke::revoke))
        .routes(routes!(oauth::introspect::introspect))
        .routes(routes!(oauth::metadata::metadata))
        .routes(routes!(signals::jwks))
        .routes(routes!(signals::configuration))
        .routes(routes!(
            signals::create_stream,
            signals::read_stream,
            signals::update_stream,
            signals::delete_stream
        ))
        .routes(routes!(signals::read_status, signals::update_status))
        .routes(routes!(signals::verify))
        .routes(routes!(signals::poll))
}

/// The push channel: a long-lived stream.
fn push_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sessions::events))
}

/// Where the OpenAPI document is served (by the server, which assembles it: this API's
/// routes and the web client's server functions).
pub const DOCUMENT_PATH: &str = "/api/openapi.json";

/// The API's routes.
pub fn router() -> Router<AppState> {
    let (routes, _) = request_routes().split_for_parts();
    routes
        .route("/api/auth/{*rest}", any(|| async { ApiError::NotFound }))
        .route("/api/admin/{*rest}", any(|| async { ApiError::NotFound }))
        .route("/ssf/{*rest}", any(|| async { ApiError::NotFound }))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// The "Not me" button's POST, on the path of the link's page (whose GET is the page).
pub fn not_me_route() -> axum::routing::MethodRouter<AppState> {
    axum::routing::post(recovery::not_me)
}

/// The push channel, kept out of the request timeout.
pub fn push_router() -> Router<AppState> {
    let (routes, _) = push_routes().split_for_parts();
    routes.method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}
