//! A route change in the client moves focus to the new page's main heading, so that a
//! keyboard user starts at the top of the new page and a screen reader announces it, as
//! it would after a full page load. The first render (a real page load) is left alone:
//! the browser already starts at the top there.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn FocusOnNavigation() -> impl IntoView {
    let pathname = use_location().pathname;
    Effect::new(move |previous: Option<String>| {
        let path = pathname.get();
        if previous.is_some_and(|previous| previous != path) {
            // After the new page has been put in the document.
            request_animation_frame(focus_main_heading);
        }
        path
    });
}

#[cfg(feature = "hydrate")]
fn focus_main_heading() {
    use wasm_bindgen::JsCast;
    let heading = document()
        .query_selector("main h1")
        .ok()
        .flatten()
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(heading) = heading {
        // Focusable by script only, not a stop in the Tab order.
        if !heading.has_attribute("tabindex") {
            let _ = heading.set_attribute("tabindex", "-1");
        }
        let _ = heading.focus();
    }
}

#[cfg(not(feature = "hydrate"))]
fn focus_main_heading() {}
