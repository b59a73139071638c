//! One module per route.

pub mod admin;
pub mod dashboard;
pub mod home;
pub mod login;
pub mod not_found;
pub mod profile;
pub mod reauthenticate;
pub mod recovery;
pub mod register;
pub mod session;

/// A route whose page is its own piece of the wasm bundle: the browser fetches that code the
/// first time the page is shown (on a client-side visit, or before hydrating it on a first
/// visit), so the pages everyone opens do not download the code only signed-in users need.
///
/// The split is made by `cargo leptos --split`, which `make build` and `make test` pass
/// together with the `split` feature. Without the feature the page is in the one ordinary
/// bundle, so that a plain `cargo leptos watch` (which does not split) works.
///
/// Each route type is code in every page's first load (the router's matching and the
/// `LazyRoute` futures, about 0.35 kB brotli each), so rarely opened pages share one: a
/// session's page is the profile's, and the account's rare pages are one
/// (`recovery::AccountPages`). One type for all of them, dispatching by path, was tried: 2 kB
/// less code, but 0.6 kB more brotli (the per-type copies compress well, the dispatch did
/// not). See "The bundle in pieces" in docs/ARCHITECTURE.md.
///
/// This is leptos's `#[lazy_route]` written out, for one difference: a piece that cannot be
/// fetched is not a panic that stops the client for good (as `#[lazy_route]`'s would be), but
/// [`piece_unavailable`]. The usual cause is a deploy since the tab was opened: the pieces
/// are content-hashed, and the old ones are gone.
macro_rules! page_of_its_own {
    ($(#[$doc:meta])* $route:ident => $page:ident, piece $piece:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $route;

        /// The piece: the page's code, and the function that fetches it.
        #[cfg(feature = "split")]
        pub(crate) mod $piece {
            use super::$page;

            #[leptos::wasm_split::wasm_split(
                $piece,
                wasm_split_path = ::leptos::wasm_split,
                fallible,
                preload(fetch)
            )]
            pub(crate) fn page(
            ) -> Result<leptos::prelude::AnyView, leptos::wasm_split::SplitLoaderError> {
                Ok(leptos::prelude::IntoAny::into_any(leptos::prelude::view! { <$page/> }))
            }
        }

        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            // The router awaits this before it renders or hydrates the page, so the page's
            // code is in place by then: hydration must find the view ready, not pending.
            async fn preload() {
                #[cfg(feature = "split")]
                if $piece::fetch().await.is_err() {
                    match $crate::pages::piece_unavailable().await {}
                }
            }

            async fn view(_this: Self) -> leptos::prelude::AnyView {
                #[cfg(feature = "split")]
                {
                    match $piece::page().await {
                        Ok(view) => view,
                        Err(_) => match $crate::pages::piece_unavailable().await {},
                    }
                }
                #[cfg(not(feature = "split"))]
                {
                    // The server's render adds `<link rel="preload">` for the pieces the
                    // split manifest lists under this name (when the build made one).
                    #[cfg(feature = "ssr")]
                    leptos::prefetch_lazy_fn_on_server(stringify!($piece));
                    leptos::prelude::IntoAny::into_any(leptos::prelude::view! { <$page/> })
                }
            }
        }
    };
}
pub(crate) use page_of_its_own;

/// Fetches the piece of the page at `path`, if it is a page of its own (the same pages as
/// `routes::PAGES_OF_THEIR_OWN`), before the client hydrates it: `frontend` does not hydrate
/// a page whose piece is missing, since hydration would stop halfway through it.
#[cfg(feature = "split")]
pub async fn fetch_own_piece(path: &str) -> Result<(), leptos::wasm_split::SplitLoaderError> {
    match wire::routes::page_of(path) {
        "/dashboard" => dashboard::dashboard_page::fetch().await,
        // A session's page is the profile's, in its piece (`session.rs`).
        "/profile" | wire::routes::SESSION_DETAILS_PREFIX => profile::profile_page::fetch().await,
        "/admin" | "/reauthenticate" | "/account/not-me" | "/forgot-password"
        | "/reset-password" => recovery::account_pages::fetch().await,
        _ => Ok(()),
    }
}

/// A page's piece could not be fetched during a client-side visit. The browser loads the
/// page from the server instead, as if the link had been followed without the client: that
/// page comes with the current bundle. If its piece is still missing, the page is not
/// hydrated (`frontend`) and works as plain HTML, so this cannot loop.
///
/// Never returns: the browser is leaving. (`Infallible` rather than generic: each caller's
/// type was a copy of this in every page's first load.)
#[cfg(feature = "split")]
pub(crate) async fn piece_unavailable() -> std::convert::Infallible {
    use leptos::prelude::GetUntracked;

    let target = leptos_router::hooks::use_location();
    let path = target.pathname.get_untracked();
    let here = leptos::prelude::window().location();
    if here.pathname().ok().as_deref() == Some(path.as_str()) {
        // Back or Forward: the address is already the page's.
        let _ = here.reload();
    } else {
        // A click: the router moves the address only once the page is ready.
        let search = target.search.get_untracked();
        let hash = target.hash.get_untracked();
        let search = if search.is_empty() || search.starts_with('?') {
            search
        } else {
            format!("?{search}")
        };
        let hash = if hash.is_empty() || hash.starts_with('#') {
            hash
        } else {
            format!("#{hash}")
        };
        let _ = here.assign(&format!("{path}{search}{hash}"));
    }
    std::future::pending().await
}
