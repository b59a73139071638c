//! The guard of the protected routes, on the server (first HTML: a 302 to `/login`) and
//! on the client.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;

use crate::auth::client::refresh_session;
use crate::auth::flows::AuthFlows;
use crate::auth::session::current_session;
use crate::auth::store::AuthStore;

/// Shows `children` to a signed-in user. Someone who arrives signed out is sent to
/// `/login`. A user who signs out *while here* is not redirected by the guard: the flow
/// that signed them out decides where they go (home, or `/login`), and two competing
/// navigations would race.
///
/// In the browser, every arrival on a protected page also asks the server whether the
/// session is still alive, so a session revoked on another device ends here on the next
/// navigation even if the page itself reads nothing from the server.
#[component]
pub fn RequireAuth(children: ChildrenFn) -> impl IntoView {
    let auth = AuthStore::expect();
    let arrived_signed_out = !auth.is_signed_in_untracked();
    let allowed = Memo::new(move |_| auth.is_signed_in());
    if !arrived_signed_out {
        confirm_session_on_arrival(AuthFlows::expect());
    }
    move || {
        if allowed.get() {
            children().into_any()
        } else if arrived_signed_out {
            view! { <Redirect path="/login"/> }.into_any()
        } else {
            ().into_any()
        }
    }
}

fn confirm_session_on_arrival(flows: AuthFlows) {
    // An effect: runs in the browser only, once, after this page is mounted.
    Effect::new(move |_| {
        let flows = flows.clone();
        spawn_local(async move {
            if let Ok(Some(_)) = current_session().await {
                return;
            }
            // The access cookie may just have expired: one refresh before giving up.
            if !(refresh_session().await && matches!(current_session().await, Ok(Some(_)))) {
                flows.session_ended();
            }
        });
    });
}
