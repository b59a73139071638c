//! Whether the page has been hydrated, for controls that only work with the client.

use leptos::prelude::*;

/// False in the server's HTML and until hydration, then true. A button disabled until
/// then cannot be clicked into a native form submission that the app never sees.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}
