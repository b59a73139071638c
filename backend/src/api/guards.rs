//! Middleware every request passes: the same-origin check for state-changing requests,
//! who is signed in for a page render (and the server-side guard of protected pages), and the
//! `Cache-Control` of every response (`no-store` on everything that may carry a user's data).

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::cookies;
use crate::authn::authenticate;
use crate::error::ApiError;
use crate::state::AppState;
use crate::users;
use wire::routes;
use wire::{Flash, SignedIn};

/// Refuses a cross-origin browser request that could change state (CSRF defence in depth
/// on top of SameSite cookies). Requests without `Origin` come from non-browser clients
/// (curl, mobile apps), which carry no ambient cookies to abuse.
///
/// A `Referer` of another origin is dropped from such a request: a failed plain form post
/// is redirected back to its Referer (server_fn's form redirects), which must never lead
/// off this site. Without one, it goes to this site's `/`.
pub async fn require_same_origin(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let foreign_referer = req.headers().get(header::REFERER).is_some_and(|referer| {
            !referer
                .to_str()
                .ok()
                .and_then(origin_of)
                .is_some_and(|origin| {
                    is_allowed_origin(
                        origin,
                        req.headers().get(header::HOST),
                        state.config.public_origin.as_deref(),
                    )
                })
        });
        if foreign_referer {
            req.headers_mut().remove(header::REFERER);
        }
    }
    let req = req;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
    let origin_ok = match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => true,
        Some(Ok(origin)) => is_allowed_origin(
            origin,
            headers.get(header::HOST),
            state.config.public_origin.as_deref(),
        ),
        Some(Err(_)) => false,
    };
    if cross_site || !origin_ok {
        return ApiError::CrossOrigin.into_response();
    }
    next.run(req).await
}

/// Same origin means scheme, host and port all match: the configured public origin (for
/// deployments behind a proxy, which terminates TLS and may rewrite Host), or `http://`
/// and the Host this request was sent to, since this server itself speaks only plain
/// HTTP. An `https://` Origin naming the plain server is another origin.
fn is_allowed_origin(
    origin: &str,
    host: Option<&HeaderValue>,
    public_origin: Option<&str>,
) -> bool {
    let public = public_origin.map(|p| without_default_port(p.trim_end_matches('/')));
    if public.is_some_and(|p| p.eq_ignore_ascii_case(&without_default_port(origin))) {
        return true;
    }
    // `null` (an opaque origin) and every other scheme fall through to `false`.
    let Some(origin_host) = origin.strip_prefix("http://") else {
        return false;
    };
    host.and_then(|h| h.to_str().ok())
        .is_some_and(|host| host.eq_ignore_ascii_case(origin_host))
}

/// An origin as browsers send it: without the scheme's default port (`https://x:443` is
/// sent as `https://x`).
fn without_default_port(origin: &str) -> String {
    let default = if origin.starts_with("https://") {
        ":443"
    } else {
        ":80"
    };
    origin.strip_suffix(default).unwrap_or(origin).to_owned()
}

/// The origin (scheme, host and port) of an absolute URL: what precedes its path.
fn origin_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&url[..scheme.len() + 3 + authority_end])
}

/// What `page_session` found out before a page renders: who is signed in, and the one-time
/// notice a plain form post left for this page. Carried in the request's extensions; read
/// by `auth::session::initial_session` and `initial_flash`.
#[derive(Clone, Debug, Default)]
pub struct PageSession {
    pub session: Option<SignedIn>,
    pub flash: Flash,
}

/// For page requests: finds out who is signed in before anything renders, hands it to
/// the render (`PageSession`), and sends a signed-out visitor of a
/// protected page to `/login`. Doing this up front keeps the render synchronous about
/// auth, and a redirect never has to cut a render short.
pub async fn page_session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if req.method() != Method::GET || path.starts_with("/api/") || is_static_asset(path) {
        return next.run(req).await;
    }
    let session = match authenticate(&state, req.headers()) {
        Ok(auth) => match state.signed_in_as(&auth, users::Freshness::Read).await {
            Ok(session) => session,
            Err(err) => return ApiError::from(err).into_response(),
        },
        Err(_) => None,
    };
    if session.is_none() && routes::is_protected(path) {
        // 302, as leptos's own server redirect answers.
        return (StatusCode::FOUND, [(header::LOCATION, "/login")]).into_response();
    }
    let flash = cookies::read_flash(req.headers());
    let had_flash = flash != Flash::default();
    let preload = state.bundle.preload(path).cloned();
    req.extensions_mut().insert(PageSession { session, flash });
    let mut response = next.run(req).await;
    if had_flash {
        cookies::clear_flash(response.headers_mut(), &state.config);
    }
    if let Some(preload) = preload.filter(|_| response.status().is_success()) {
        response.headers_mut().append(header::LINK, preload);
    }
    response
}

/// The bundle and the icon: the same for everyone, so cacheable, and no reason to look up
/// who is asking.
fn is_static_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg"
}

/// How long a response may be kept, decided by what it is:
/// - a bundle file whose name carries the hash of its bytes (`SiteBundle::is_content_named`):
///   a year, and never revalidated (`immutable`): a changed file is a new URL;
/// - any other bundle file, and the icon: kept, but revalidated each time. In a split build
///   the main js and wasm are such files: their names were given before the split loader's
///   name was written into them, so after a deploy the same name can mean new bytes;
/// - everything else (pages and API answers may show a user's data): `no-store`, so no
///   browser, proxy or back-forward cache keeps it.
pub async fn cache_policy(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let policy = if state.bundle.is_content_named(path) {
        "public, max-age=31536000, immutable"
    } else if is_static_asset(path) {
        "no-cache"
    } else {
        "no-store"
    };
    let mut response = next.run(req).await;
    // Errors under /pkg/ (a stale hash after a deploy) must not be cached for a year.
    let kept = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    let policy = if kept { policy } else { "no-store" };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    if policy != "no-store" {
        // The bundle is sent brotli, gzip or plain as the client asks: a shared cache must
        // keep one copy per encoding.
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::is_allowed_origin;
    use axum::http::HeaderValue;

    #[test]
    fn only_the_requests_own_host_or_the_public_origin_pass() {
        let host = HeaderValue::from_static("127.0.0.1:3000");
        assert!(is_allowed_origin(
            "http://127.0.0.1:3000",
            Some(&host),
            None
        ));
        assert!(!is_allowed_origin("http://evil.example", Some(&host), None));
        assert!(!is_allowed_origin(
            "http://127.0.0.1:3001",
            Some(&host),
            None
        ));
        assert!(!is_allowed_origin("null", Some(&host), None));
        assert!(!is_allowed_origin("http://127.0.0.1:3000", None, None));
        assert!(is_allowed_origin(
            "https://app.example",
            Some(&host),
            Some("https://app.example")
        ));
    }

    #[test]
    fn the_origin_of_a_url_is_what_precedes_its_path() {
        use super::origin_of;
        assert_eq!(
            origin_of("https://evil.example/x?y"),
            Some("https://evil.example")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000"),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000?a"),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of("/login"), None);
    }

    #[test]
    fn the_scheme_is_part_of_the_origin() {
        let host = HeaderValue::from_static("127.0.0.1:3000");
        // The plain-HTTP server is not its https namesake.
        assert!(!is_allowed_origin(
            "https://127.0.0.1:3000",
            Some(&host),
            None
        ));
        // Behind a TLS proxy, the public origin counts with its scheme.
        let public = Some("https://app.example");
        let proxied = HeaderValue::from_static("app.example");
        assert!(is_allowed_origin(
            "https://app.example",
            Some(&proxied),
            public
        ));
        assert!(!is_allowed_origin(
            "http://app.example:443",
            Some(&host),
            public
        ));
        assert!(!is_allowed_origin(
            "https://app.example:8443",
            Some(&host),
            public
        ));
    }
}
