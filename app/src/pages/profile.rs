//! `/profile`: the account, and the Security section with the ways to end sessions.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::hydration::use_hydrated;
use crate::components::require_auth::RequireAuth;
use crate::format;

#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <RequireAuth>
            <Profile/>
        </RequireAuth>
    }
}

#[component]
fn Profile() -> impl IntoView {
    let auth = AuthStore::expect();
    let flows = AuthFlows::expect();
    let confirm_everywhere = RwSignal::new(false);
    let confirm_others = RwSignal::new(false);
    let others_busy = RwSignal::new(false);
    let hydrated = use_hydrated();

    let everywhere = {
        let flows = flows.clone();
        Callback::new(move |_| {
            let flows = flows.clone();
            spawn_local(async move { flows.sign_out_everywhere().await });
        })
    };
    let others = Callback::new(move |_| {
        let flows = flows.clone();
        others_busy.set(true);
        spawn_local(async move {
            let _ = flows.sign_out_other_devices().await;
            others_busy.set(false);
        });
    });
    let session = move || auth.session();

    view! {
        <h1>"Profile"</h1>
        <section class="card" aria-labelledby="account-heading">
            <h2 id="account-heading">"Account"</h2>
            <p>"Email: " <strong>{move || session().map(|s| s.user.email)}</strong></p>
            <p class="muted">"Member since " {move || session().map(|s| format::date(s.user.created_at))}</p>
        </section>
        <section class="card" aria-labelledby="security-heading">
            <h2 id="security-heading">"Security"</h2>
            <p class="muted">
                "Signing out ends a session on the server at once: its tokens stop working on "
                "the very next request, wherever they are."
            </p>
            <div class="actions-row">
                <button class="button-secondary" disabled=move || !hydrated.get() || others_busy.get() on:click=move |_| confirm_others.set(true)>
                    "Sign out other devices"
                </button>
                <button
                    class="button-danger"
                    disabled=move || !hydrated.get() || auth.is_signing_out()
                    on:click=move |_| confirm_everywhere.set(true)
                >
                    "Sign out from all devices"
                </button>
            </div>
        </section>
        <ConfirmDialog
            open=confirm_others
            title="Sign out other devices?"
            message="Every other browser and app signed in to your account will be signed out. This device stays signed in."
            confirm_label="Sign out others"
            on_confirm=others
        />
        <ConfirmDialog
            open=confirm_everywhere
            title="Sign out from all devices?"
            message="Every session of your account ends, including this one. You will need to sign in again everywhere."
            confirm_label="Sign out everywhere"
            on_confirm=everywhere
        />
    }
}
