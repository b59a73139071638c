//! `/profile`: the account, its devices, and every way to end sessions.

use futures::future::LocalBoxFuture;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::task::spawn_local;
use leptos_meta::Title;

use crate::app_error::AppError;
use crate::auth::actions::{LogoutAll, ReportConcern};
use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::account::change_email::ChangeEmailForm;
use crate::components::account::change_password::ChangePasswordForm;
use crate::components::account::devices_list::DevicesList;
use crate::components::account::security_activity::SecurityActivity;
use crate::components::confirm_dialog::{use_confirm, AskButton, ConfirmDialog};
use crate::components::require_auth::RequireAuth;
use crate::components::toasts::Toasts;
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
        <Title text="Profile · Signout"/>
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
    let confirm_everywhere = use_confirm("sign-out-everywhere");
    let confirm_others = use_confirm("sign-out-others");
    let confirm_concern = use_confirm("security-concern");
    let signing_out = Signal::derive(move || auth.is_signing_out());

    // Each follow-up runs in the action's own future (the flows): a refusal comes back
    // as the action's value and is shown as a toast.
    let toasts = Toasts::expect();
    let run =
        move |failed: &'static str,
              task: fn(AuthFlows) -> LocalBoxFuture<'static, Result<(), AppError>>| {
            let flows = flows.clone();
            Callback::new(move |_| {
                let future = task(flows.clone());
                spawn_local(async move {
                    if let Err(e) = future.await {
                        if !e.is_unauthenticated() {
                            toasts.error(format!("{failed} {}", e.message()));
                        }
                    }
                })
            })
        };
    let everywhere = run("Could not sign out from all devices.", |flows| {
        Box::pin(async move { flows.sign_out_everywhere().await })
    });
    let concern = run("Could not report the concern.", |flows| {
        Box::pin(async move { flows.report_concern().await })
    });
    let others = run("Could not sign out other devices.", |flows| {
        Box::pin(async move { flows.sign_out_other_devices().await.map(|_| ()) })
    });

    view! {
        <section class="card" aria-labelledby="security-heading">
            <h2 id="security-heading">"Security"</h2>
            <p class="muted">
                "Signing out ends a session on the server at once: its tokens stop working on "
                "the very next request, wherever they are."
            </p>
            <div class="actions-row">
                <AskButton key="sign-out-others" page="/profile" open=confirm_others disabled=signing_out class="button-secondary">
                    "Sign out other devices"
                </AskButton>
                <AskButton key="sign-out-everywhere" page="/profile" open=confirm_everywhere disabled=signing_out class="button-danger">
                    "Sign out from all devices"
                </AskButton>
            </div>
            <h3>"Signed-in devices"</h3>
            <DevicesList/>
            <h3>"Change password"</h3>
            <p class="muted">"Your other devices will be signed out."</p>
            <ChangePasswordForm/>
            <h3>"Something wrong?"</h3>
            <p class="muted">"If you think someone else is using your account, end every session now."</p>
            <AskButton key="security-concern" page="/profile" open=confirm_concern disabled=signing_out class="button-danger">
                "Report a security concern"
            </AskButton>
        </section>
        <ConfirmDialog
            open=confirm_others
            title="Sign out other devices?"
            message="Every other browser and app signed in to your account will be signed out. This device stays signed in."
            confirm_label="Sign out others"
            action=LOGOUT_ALL_URL
            fields=vec![("keep_current", "true")]
            cancel_href="/profile"
            on_confirm=others
        />
        <ConfirmDialog
            open=confirm_everywhere
            title="Sign out from all devices?"
            message="Every session of your account ends, including this one. You will need to sign in again everywhere."
            confirm_label="Sign out everywhere"
            action=LOGOUT_ALL_URL
            fields=vec![("keep_current", "false")]
            cancel_href="/profile"
            on_confirm=everywhere
        />
        <ConfirmDialog
            open=confirm_concern
            title="Report a security concern?"
            message="Every session of your account ends at once, including this one. Then sign in again and change your password."
            confirm_label="End every session"
            action=REPORT_CONCERN_URL
            cancel_href="/profile"
            on_confirm=concern
        />
    }
}

const LOGOUT_ALL_URL: &str = <LogoutAll as ServerFn>::PATH;
const REPORT_CONCERN_URL: &str = <ReportConcern as ServerFn>::PATH;
