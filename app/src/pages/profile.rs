//! `/profile`: the account, its devices, and every way to end sessions.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::auth::actions::{LogoutAll, ReportConcern};
use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::account::change_email::ChangeEmailForm;
use crate::components::account::change_password::ChangePasswordForm;
use crate::components::account::delete_account::DeleteAccountForm;
use crate::components::account::devices_list::DevicesList;
use crate::components::account::security_activity::SecurityActivity;
use crate::components::confirm_dialog::{use_confirm, AskButton, ConfirmDialog};
use crate::components::reauth_dialog::ReauthDialog;
use crate::components::require_auth::RequireAuth;
use crate::components::toasts::Toasts;
use crate::format;
use crate::pages::not_found::NotFound;
use crate::pages::session::Session;

super::page_of_its_own! {
    /// `/profile`'s piece (a session's page too): fetched when the page is first shown.
    ProfileRoute => ProfilePage, piece profile_page
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    // `/profile/sessions/<id>` is this route too (`pages/session.rs` says why), and any other
    // path under `/profile` is no page. The route stays the same from one of them to the
    // next, so the page follows its parameters.
    let params = use_params_map();
    let shown = Memo::new(move |_| {
        params.with(|p| match (p.get("section").as_deref(), p.get("id")) {
            (None, _) => Some(false),
            (Some("sessions"), Some(_)) => Some(true),
            _ => None,
        })
    });
    move || {
        match shown.get() {
        None => view! { <NotFound/> }.into_any(),
        Some(one_session) => view! {
            <RequireAuth>
                {if one_session { Either::Left(view! { <Session/> }) } else { Either::Right(view! { <Profile/> }) }}
                // Here rather than on every page: only this page's and /admin's actions ask
                // for the password again, and its code then comes with theirs.
                <ReauthDialog/>
            </RequireAuth>
        }
        .into_any(),
    }
    }
}

#[component]
fn Profile() -> impl IntoView {
    view! {
        <Title text="Profile · Signout"/>
        <h1>"Profile"</h1>
        <DevicesSection/>
        <SignInSection/>
        <section class="card" id="activity" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Activity"</h2>
            <p class="muted">"What happened to your account, newest first: sign-ins, sign-outs, changes."</p>
            <SecurityActivity/>
        </section>
        <section class="card" id="delete-account" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete account"</h2>
            <DeleteAccountForm/>
        </section>
    }
}

/// Where the account is signed in, and the ways to end those sessions: one device (in the
/// list), the others, or all of them.
#[component]
fn DevicesSection() -> impl IntoView {
    let auth = AuthStore::expect();
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    let confirm_everywhere = use_confirm("sign-out-everywhere");
    let signing_out = Signal::derive(move || auth.is_signing_out());
    // The follow-up runs in the flow's own future: a refusal comes back as a toast.
    let everywhere = Callback::new(move |_| {
        let flows = flows.clone();
        toasts.run_flow("sign out from all devices", async move {
            flows.sign_out_everywhere().await
        })
    });

    view! {
        <section class="card" aria-labelledby="devices-heading">
            <h2 id="devices-heading">"Devices"</h2>
            <p class="muted">
                "Signing out ends a session on the server at once: its tokens stop working on "
                "the very next request, wherever they are."
            </p>
            <DevicesList/>
            <div class="device-actions">
                <AskButton key="sign-out-everywhere" page="/profile" open=confirm_everywhere disabled=signing_out
                    class="button-secondary" described_by="sign-out-everywhere-what">
                    "Sign out from all devices"
                </AskButton>
                <p id="sign-out-everywhere-what" class="muted small">
                    "Ends every session, this one included."
                </p>
            </div>
        </section>
        <ConfirmDialog
            open=confirm_everywhere
            key="sign-out-everywhere"
            title="Sign out from all devices?"
            message="Every session of your account ends, including this one. You will need to sign in again everywhere."
            confirm_label="Sign out everywhere"
            action=LOGOUT_ALL_URL
            fields=vec![("keep_current", "false".to_owned())]
            cancel_href="/profile"
            on_confirm=everywhere
        />
    }
}

/// How the account is signed in to (email, password), and what to do when it may no
/// longer be only yours.
#[component]
fn SignInSection() -> impl IntoView {
    let auth = AuthStore::expect();
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    let session = move || auth.session();
    let confirm_concern = use_confirm("security-concern");
    let signing_out = Signal::derive(move || auth.is_signing_out());
    let concern = Callback::new(move |_| {
        let flows = flows.clone();
        toasts.run_flow(
            "report the concern",
            async move { flows.report_concern().await },
        )
    });

    view! {
        <section class="card" aria-labelledby="sign-in-heading">
            <h2 id="sign-in-heading">"Sign-in & security"</h2>
            <p>"Email: " <strong>{move || session().map(|s| s.user.email)}</strong></p>
            <p class="muted">"Member since " {move || session().map(|s| format::date(s.user.created_at))}</p>
            <h3>"Change password"</h3>
            <p class="muted">"Your other devices will be signed out."</p>
            <ChangePasswordForm/>
            <h3>"Change email"</h3>
            <p class="muted">"Your other devices will be signed out."</p>
            <ChangeEmailForm/>
            <div class="concern">
                <h3>"Someone else in your account?"</h3>
                // Only what the server does (`backend::account::report_concern`).
                <p id="concern-what">
                    "Reporting a security concern does everything “Sign out from all devices” does, "
                    "and more: it is recorded in your activity as a security concern, apart from "
                    "ordinary sign-outs, and every session it ends is marked as ended for that reason. "
                    "Then sign in again and change your password at once: the report does not change "
                    "it for you."
                </p>
                <AskButton key="security-concern" page="/profile" open=confirm_concern disabled=signing_out
                    class="button-danger" described_by="concern-what">
                    "Report a security concern"
                </AskButton>
            </div>
        </section>
        <ConfirmDialog
            open=confirm_concern
            key="security-concern"
            title="Report a security concern?"
            message="Every session of your account ends at once, including this one, and the report is recorded in your activity. Then sign in again and change your password."
            confirm_label="End every session"
            action=REPORT_CONCERN_URL
            cancel_href="/profile"
            on_confirm=concern
        />
    }
}

const LOGOUT_ALL_URL: &str = <LogoutAll as ServerFn>::PATH;
const REPORT_CONCERN_URL: &str = <ReportConcern as ServerFn>::PATH;
