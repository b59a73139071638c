//! Where focus goes when the page changes under it.
//!
//! A route change in the client moves focus to the new page's main heading, so that a
//! keyboard user starts at the top of the new page and a screen reader announces it, as
//! it would after a full page load. The first render (a real page load) is left alone:
//! the browser already starts at the top there.
//!
//! An element that has focus and leaves the document (a row re-rendered after a change, a
//! button of a closed dialog) drops focus to `<body>`, and the next Tab starts again at the
//! logo. Where that can happen, focus is put back on the nearest thing that is still there.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::hooks::use_location;
#[cfg(feature = "hydrate")]
use wasm_bindgen::JsCast;

/// How long focus is watched after a change, and how often. A page whose code is fetched
/// on its first visit (a page of its own), or a list re-read after a change, is put in the
/// document some time after the event that asked for it: a request's round trip.
const WATCH_FOR: std::time::Duration = std::time::Duration::from_secs(3);
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(50);
const WATCH_CHECKS: u32 = (WATCH_FOR.as_millis() / WATCH_EVERY.as_millis()) as u32;

#[component]
pub fn FocusOnNavigation() -> impl IntoView {
    let pathname = use_location().pathname;
    Effect::new(move |previous: Option<String>| {
        let path = pathname.get();
        if previous.is_some_and(|previous| previous != path) {
            // The header's menu, if a link in it led here.
            crate::components::header::close_account_menu();
            // After the new page has been put in the document. The heading focused first
            // may be the old page's, if the new one is not there yet: when it goes, focus
            // is put on the new one, as long as this is still the page.
            let this_page = path.clone();
            request_animation_frame(move || {
                focus_heading("main h1");
                watch(
                    Arc::from("main h1"),
                    move || pathname.try_with_untracked(|p| *p == this_page) == Some(true),
                    WATCH_CHECKS,
                );
            });
        }
        path
    });
}

/// Moves focus to the heading that `selector` finds, for when the control that had focus
/// is gone (a revoked device's row) and focus would otherwise fall to the page's start.
pub fn focus_heading(selector: &str) {
    focus(selector);
}

/// For the next three seconds, whenever focus has fallen to `<body>`, puts it on what
/// `selector` finds: after a change that re-renders the control that had it.
pub fn refocus_when_lost(selector: String) {
    watch(Arc::from(selector), || true, WATCH_CHECKS);
}

/// Ends once focus has been put back: a watch that went on would take focus from the next
/// change's (Publish right after Save draft would find it back on Save draft).
fn watch(selector: Arc<str>, still_wanted: impl Fn() -> bool + 'static, checks_left: u32) {
    if checks_left == 0 || !still_wanted() {
        return;
    }
    set_timeout(
        move || {
            if focus_is_lost() {
                focus(&selector);
                if !focus_is_lost() {
                    return;
                }
            }
            watch(selector, still_wanted, checks_left - 1);
        },
        WATCH_EVERY,
    );
}

#[cfg(feature = "hydrate")]
fn focus_is_lost() -> bool {
    let document = document();
    match (document.active_element(), document.body()) {
        (None, _) => true,
        (Some(active), Some(body)) => active == body.unchecked_into::<web_sys::Element>(),
        (Some(_), None) => false,
    }
}

#[cfg(not(feature = "hydrate"))]
fn focus_is_lost() -> bool {
    false
}

/// The browser scrolls the element into view if it is not (where focus is put back, the
/// element stands where the page already is).
#[cfg(feature = "hydrate")]
fn focus(selector: &str) {
    let element = document()
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        // A heading is focusable by script only, not a stop in the Tab order.
        if element.tab_index() < 0 && !element.has_attribute("tabindex") {
            let _ = element.set_attribute("tabindex", "-1");
        }
        let _ = element.focus();
    }
}

#[cfg(not(feature = "hydrate"))]
fn focus(_selector: &str) {}
