//! The OpenAPI 3.1 document at `/api/openapi.json`, generated from the code: the JSON API
//! handlers' `#[utoipa::path]` attributes (collected by the same `routes!` calls that
//! build the backend's router, so a handler cannot be routed without being described),
//! plus the server functions' entries (`server_fns`). Assembled here, where both the API
//! and the server functions are visible: the backend knows nothing of the UI.

mod server_fns;

use axum::routing::get;
use axum::Router;

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use backend::AppState;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use backend::api::DOCUMENT_PATH;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "signout",
        description = "Complete sign-out: the JSON auth API, standard OAuth 2.0 for API \
            clients (RFC 6749, 7009, 7662, 8414), the published keys and Shared Signals \
            for other services, and the web client's server functions. \
            Every error body has `error` (a stable code) and `message`; the OAuth endpoints \
            add `error_description`. While the database cannot be reached, an endpoint that \
            needs it answers 503 with `Retry-After`."
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "The JSON auth API (cookies for browsers, bearer tokens for others)"),
        (name = "oauth", description = "OAuth 2.0 for API clients"),
        (name = "server functions", description = "The web client's reads and writes"),
        (name = "signals", description = "Published keys (RFC 7517) and the Shared Signals transmitter (SSF 1.0, CAEP; RFC 8417, 8935, 8936)"),
    )
)]
struct Base;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "access_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                backend::authn::CookieNames::SECURE.access,
            ))),
        );
        components.add_security_scheme(
            "refresh_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                backend::authn::CookieNames::SECURE.refresh,
            ))),
        );
        components.add_security_scheme(
            "resource_server",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
        // The bearer secret `server ssf add-receiver NAME` printed.
        components.add_security_scheme(
            "receiver_secret",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The whole document: the routed handlers, then the server functions.
pub fn document() -> Document {
    let mut doc = Base::openapi();
    let (_, served) = OpenApiRouter::<AppState>::new()
        .routes(routes!(serve))
        .split_for_parts();
    doc.merge(backend::api::documented_routes().into_openapi());
    doc.merge(served);
    doc.merge(server_fns::ServerFnDoc::openapi());
    doc
}

static DOCUMENT_JSON: LazyLock<String> = LazyLock::new(|| {
    // Serialising a document of plain strings and maps cannot fail.
    document().to_json().unwrap_or_default()
});

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "auth",
    responses((status = 200, description = "the OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
pub async fn serve() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT_JSON.as_str(),
    )
}

/// The route of this document.
pub fn router() -> Router<AppState> {
    Router::new().route(DOCUMENT_PATH, get(serve))
}
