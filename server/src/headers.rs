//! Security headers on every answer, set in one place for the whole router: framing
//! refused (`X-Frame-Options`, and CSP `frame-ancestors` on pages), no content sniffing, a
//! Referer only within this site, HSTS when cookies are Secure, and on every HTML page a
//! Content Security Policy whose only inline scripts are the ones carrying this response's
//! nonce (leptos's hydration and resource scripts).

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use leptos::nonce::Nonce;
use tower_http::set_header::SetResponseHeaderLayer;

/// The headers of every answer, as tower-http layers around `router`.
pub fn with_security_headers<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    cookies_secure: bool,
) -> Router<S> {
    let router = router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ));
    if cookies_secure {
        // Meaningful only over https (a browser ignores it on plain http), where Secure
        // cookies mean the site is served. Not `includeSubDomains`: that is a policy for
        // hosts this server does not know.
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        router
    }
}

/// The pages' own layer: a Content Security Policy with a nonce made for each answer.
/// Only around the page routes: the API, the server functions and the bundle answer no
/// HTML, and a middleware around them all cost the session check measurably
/// (`make bench`).
pub fn with_page_policy<S: Clone + Send + Sync + 'static>(pages: Router<S>) -> Router<S> {
    pages.layer(axum::middleware::from_fn(content_security_policy))
}

/// A nonce for this request, handed to the page render (`page_nonce`), and the policy
/// that names it on an HTML answer.
async fn content_security_policy(mut req: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut response = next.run(req).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        if let Ok(policy) = HeaderValue::from_str(&policy(&nonce)) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    response
}

/// The policy of a page: scripts from this site or carrying the nonce, wasm compiled from
/// them, styles and images from this site, requests to this site only (the server
/// functions, the push channel), forms posted to this site only, and never in a frame.
/// `cargo leptos watch` also needs its reload socket.
fn policy(nonce: &Nonce) -> String {
    let reload = if std::env::var_os("LEPTOS_WATCH").is_some() {
        " ws:"
    } else {
        ""
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The page render's nonce: the one this request's policy names (leptos puts it on the
/// inline scripts it writes).
pub fn page_nonce() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Nonce>().cloned())
    {
        provide_context(nonce);
    }
}
