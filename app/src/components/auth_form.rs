//! The email + password form shared by sign-in and account creation.

use leptos::prelude::*;

use crate::auth::client::post_json;
use crate::auth::flows::AuthFlows;
use crate::auth::types::{Credentials, SignedIn};
use crate::components::hydration::use_hydrated;

#[component]
pub fn AuthForm(
    /// The API path to post the credentials to.
    endpoint: &'static str,
    /// The submit button's text, also its accessible name.
    submit_label: &'static str,
    /// The `autocomplete` hint of the password field.
    password_autocomplete: &'static str,
) -> impl IntoView {
    let flows = AuthFlows::expect();
    let hydrated = use_hydrated();
    // Uncontrolled inputs, read on submit: hydration never resets what someone typed
    // before the WASM arrived (a `bind:value` would write its empty signal back).
    let email = NodeRef::<leptos::html::Input>::new();
    let password = NodeRef::<leptos::html::Input>::new();
    let submit = Action::new_local(move |creds: &Credentials| {
        let creds = creds.clone();
        async move { post_json::<_, SignedIn>(endpoint, &creds).await }
    });
    let error = move || {
        submit
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.message())
    };
    Effect::new(move |_| {
        if let Some(Ok(session)) = submit.value().get() {
            flows.signed_in(session);
        }
    });

    view! {
        // `post`: should the form ever be submitted natively, no password goes in a URL.
        <form
            method="post"
            class="card auth-form"
            on:submit=move |ev| {
                ev.prevent_default();
                let value = |input: NodeRef<leptos::html::Input>| input.get_untracked().map(|i| i.value()).unwrap_or_default();
                submit.dispatch(Credentials { email: value(email), password: value(password) });
            }
        >
            <label>
                "Email"
                <input type="email" name="email" autocomplete="email" required node_ref=email/>
            </label>
            <label>
                "Password"
                <input type="password" name="password" autocomplete=password_autocomplete required node_ref=password/>
            </label>
            <Show when=move || error().is_some()>
                <p class="form-error" role="alert">{error}</p>
            </Show>
            <button type="submit" class="button-primary" disabled=move || !hydrated.get() || submit.pending().get()>
                {submit_label}
            </button>
        </form>
    }
}
