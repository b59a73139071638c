//! The WASM entry point: hydrate the server-rendered page. Nothing else lives here.

use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Debug builds print a panic's message with it; the release wasm aborts at once on a
    // panic (`-Cpanic=immediate-abort`, see the Makefile), so there it never runs.
    console_error_panic_hook::set_once();
    // What `leptos::mount::hydrate_lazy` does, written out to know when it ends, and to put
    // the page's own piece first (`app::pages::page_of_its_own`).
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        #[cfg(feature = "split")]
        if !own_piece_fetched().await {
            return;
        }
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        // The moment the page is live, for whoever measures it (`make tti`, the browser
        // tests): the forms work before this too, but are handled by the client from here on.
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "");
        }
    });
}

/// Whether this page's own piece, if it has one, is here: tried twice, for a passing network
/// fault. Without it the page is not hydrated at all: hydration would stop at the page, with
/// the router already taking every click, so no link or form would work. As the server sent
/// it, the page is plain HTML whose links and forms do.
#[cfg(feature = "split")]
async fn own_piece_fetched() -> bool {
    let path = leptos::prelude::window()
        .location()
        .pathname()
        .unwrap_or_default();
    for _ in 0..2 {
        if app::pages::fetch_own_piece(&path).await.is_ok() {
            return true;
        }
    }
    leptos::logging::error!(
        "the code of {path} could not be fetched; the page works without it, as plain HTML"
    );
    false
}
