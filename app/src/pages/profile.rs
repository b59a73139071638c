//! `/profile`: the account, its devices, and every way to end sessions.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::account::change_email::ChangeEmailForm;
use crate::components::account::change_password::ChangePasswordForm;
use crate::components::account::devices_list::{refresh_account_lists, DevicesList};
use crate::components::account::security_activity::SecurityActivity;
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
    let session = move || auth.session();
    view! {
        <h1>"Profile"</h1>
        <section class="card" aria-labelledby="account-heading">
            <h2 id="account-heading">"Account"</h2>
            <p>"Email: " <strong>{move || session().map(|s| s.user.email)}</strong></p>
            <p class="muted">"Member since " {move || session().map(|s| format::date(s.user.created_at))}</p>
            <h3>"Change email"</h3>
            <p class="muted">"Your other devices will be signed out."</p>
            <ChangeEmailForm/>
        </section>
        <SecuritySection/>
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Recent security activity"</h2>
            <SecurityActivity/>
        </section>
    }
}

#[component]
fn SecuritySection() -> impl IntoView {
    let auth = AuthStore::expect();
    let flows = AuthFlows::expect();
    let hydrated = use_hydrated();
    let confirm_everywhere = RwSignal::new(false);
    let confirm_others = RwSignal::new(false);
    let confirm_concern = RwSignal::new(false);
    let others_busy = RwSignal::new(false);

    let run =
        move |task: fn(AuthFlows) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>| {
            let flows = flows.clone();
            Callback::new(move |_| spawn_local(task(flows.clone())))
        };
    let everywhere = run(|flows| Box::pin(async move { flows.sign_out_everywhere().await }));
    let concern = run(|flows| Box::pin(async move { flows.report_concern().await }));
    let others = run(|flows| {
        Box::pin(async move {
            let _ = flows.sign_out_other_devices().await;
            refresh_account_lists();
        })
    });
    let ask_others = move |_| {
        others_busy.set(false);
        confirm_others.set(true);
    };

    view! {
        <section class="card" aria-labelledby="security-heading">
            <h2 id="security-heading">"Security"</h2>
            <p class="muted">
                "Signing out ends a session on the server at once: its tokens stop working on "
                "the very next request, wherever they are."
            </p>
            <div class="actions-row">
                <button class="button-secondary" disabled=move || !hydrated.get() || others_busy.get() on:click=ask_others>
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
            <h3>"Signed-in devices"</h3>
            <DevicesList/>
            <h3>"Change password"</h3>
            <p class="muted">"Your other devices will be signed out."</p>
            <ChangePasswordForm/>
            <h3>"Something wrong?"</h3>
            <p class="muted">"If you think someone else is using your account, end every session now."</p>
            <button class="button-danger" disabled=move || !hydrated.get() || auth.is_signing_out() on:click=move |_| confirm_concern.set(true)>
                "Report a security concern"
            </button>
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
        <ConfirmDialog
            open=confirm_concern
            title="Report a security concern?"
            message="Every session of your account ends at once, including this one. Then sign in again and change your password."
            confirm_label="End every session"
            on_confirm=concern
        />
    }
}
