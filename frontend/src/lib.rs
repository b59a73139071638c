//! The WASM entry point: hydrate the server-rendered page. Nothing else lives here.

use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // What `leptos::mount::hydrate_lazy` does, written out to know when it ends: some routes
    // are lazy (`app::pages::page_of_its_own`), and a page whose code is a piece of its own
    // hydrates once that piece has arrived.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
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
