//! The guard of the protected routes, on the server (first HTML: a 302 to `/login`) and
//! on the client.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::auth::session::WhenAuthKnown;
use crate::auth::store::AuthStore;

/// Shows `children` to a signed-in user. Someone who arrives signed out is sent to
/// `/login`. A user who signs out *while here* is not redirected by the guard: the flow
/// that signed them out decides where they go (home, or `/login`), and two competing
/// navigations would race.
#[component]
pub fn RequireAuth(children: ChildrenFn) -> impl IntoView {
    let children = StoredValue::new(children);
    view! {
        <WhenAuthKnown>
            {move || {
                let auth = AuthStore::expect();
                let arrived_signed_out = !auth.is_signed_in_untracked();
                let allowed = Memo::new(move |_| auth.is_signed_in());
                move || {
                    if allowed.get() {
                        children.with_value(|c| c())
                    } else if arrived_signed_out {
                        view! { <Redirect path="/login"/> }.into_any()
                    } else {
                        ().into_any()
                    }
                }
            }}
        </WhenAuthKnown>
    }
}
