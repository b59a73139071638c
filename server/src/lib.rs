//! Wires the app into an axum server: router (the backend's JSON API, the OpenAPI document
//! and the Leptos pages and server functions), middleware, listener, graceful shutdown.
//! A library so that the black-box tests can start the very same server on port 0.

mod headers;
pub mod openapi;

use std::net::SocketAddr;
use std::sync::LazyLock;

use app::{shell, App};
use axum::{middleware, Router};
use backend::api::{self, guards};
use backend::clock::Clock;
use backend::config::Config;
use backend::AppState;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::time::Duration;
use tokio::net::TcpListener;

use axum::http::StatusCode;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The app's page routes, listed once per process, before the first router exists.
///
/// Listing them renders the app once with resource loading switched off by a flag that is
/// process-wide (leptos_router's `SuppressResourceLoad`). A page render of another router in
/// the same process that first polls a resource while that flag is up waits for it forever
/// (leptos-rs/leptos#4773): the rare signed-in page that never answered in the test suite,
/// where every test builds its own router. Listed once, no render can overlap the listing,
/// since no router can serve before it is done.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: LazyLock<Vec<AxumRouteListing>> =
        LazyLock::new(|| one_per_shape(generate_route_list(App)));
    ROUTES.clone()
}

/// The listings with one per path shape. Optional segments are expanded into every path
/// they can make: `/profile/:section?/:id?` gives both `/profile/{section}` and
/// `/profile/{id}`, which axum refuses as one route twice (it panics). The page renders
/// the same whatever the parameter's name, so the first is kept.
fn one_per_shape(listings: Vec<AxumRouteListing>) -> Vec<AxumRouteListing> {
    let mut seen = std::collections::HashSet::new();
    listings
        .into_iter()
        .filter(|listing| {
            let shape: String = listing
                .path()
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        "{}"
                    } else {
                        segment
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            seen.insert(shape)
        })
        .collect()
}

/// The whole application as one router, so tests and `main` build exactly the same thing.
pub fn router(state: AppState) -> Router {
    let routes = page_routes();
    let options = state.leptos_options.clone();
    let cookies_secure = state.config.cookie_secure;
    // The bundle, served here rather than by leptos's fallback, which passes a file request
    // on without its conditional headers: a file revalidated on every page load (the main
    // js of a split build, see `guards::cache_policy`) was then sent whole each time,
    // instead of a 304.
    let bundle = ServeDir::new(format!("{}/{}", options.site_root, options.site_pkg_dir))
        .precompressed_br()
        .precompressed_gzip();
    // The pages (and the fallback, which renders the 404 page), each with its Content
    // Security Policy; the API and the bundle never pay for a nonce.
    let pages = headers::with_page_policy(
        Router::new()
            .leptos_routes_with_context(&state, routes, headers::page_nonce, move || {
                shell(options.clone())
            })
            .route(wire::routes::NOT_ME_PATH, api::not_me_route())
            .fallback(leptos_axum::file_and_error_handler_with_context::<
                AppState,
                _,
            >(headers::page_nonce, shell)),
    );
    let router = Router::new()
        .nest_service(&format!("/{}", state.leptos_options.site_pkg_dir), bundle)
        .merge(api::router())
        .merge(openapi::router())
        .merge(pages)
        // No request may hold a connection forever, whatever goes wrong below...
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        // ...except the push channel, which is meant to stay open.
        .merge(api::push_router())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guards::page_session,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guards::require_same_origin,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guards::cache_policy,
        ))
        // Pages and JSON are compressed on the fly (brotli or gzip, as the client accepts);
        // the bundle is served from the files `--precompress` wrote beside it, and a response
        // that already has a Content-Encoding is left alone. Server-sent events are never
        // compressed (the default predicate), so the push channel is not buffered.
        .layer(CompressionLayer::new().br(true).gzip(true));
    headers::with_security_headers(router, cookies_secure)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A server listening on its socket, ready for requests.
pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    listener: TcpListener,
}

impl Server {
    /// Connects to the database, migrates, and binds `addr` (port 0 picks a free port).
    pub async fn bind(
        config: Config,
        clock: Clock,
        options: LeptosOptions,
        addr: SocketAddr,
    ) -> anyhow::Result<Self> {
        let state = AppState::start(config, clock, options).await?;
        let listener = TcpListener::bind(addr).await?;
        Ok(Self {
            addr: listener.local_addr()?,
            state,
            listener,
        })
    }

    /// Serves until `shutdown` resolves, then finishes the requests in flight.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = router(self.state);
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        Ok(())
    }
}
