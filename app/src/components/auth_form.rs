//! The email + password form shared by sign-in and account creation. A real form: it
//! works as a plain post before the WASM has loaded and with JavaScript off.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::auth::actions::{SignIn, SignUp};
use crate::auth::flows::AuthFlows;
use crate::components::server_form::{
    browser_action, error_after_plain_post, form_error, take_submission,
};
use crate::wire::{Flash, Registration, MAX_DISPLAY_NAME_CHARS};

/// Which form: the two differ only in their server function and wording.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AuthFormKind {
    SignIn,
    CreateAccount,
}

#[component]
pub fn AuthForm(kind: AuthFormKind) -> impl IntoView {
    let flows = AuthFlows::expect();
    let new_account = kind == AuthFormKind::CreateAccount;
    // A plain post that failed came back here with its error in the URL, and the email
    // that was typed in a one-time cookie; the password is never kept.
    let after_plain_post = if new_account {
        error_after_plain_post::<SignUp>()
    } else {
        error_after_plain_post::<SignIn>()
    };
    let submit = browser_action(after_plain_post.map(Err), move |creds: &Registration| {
        let (flows, creds) = (flows.clone(), creds.clone());
        async move { flows.sign_in(creds, new_account).await }
    });
    let error = form_error(submit);
    let typed_email = use_context::<Flash>()
        .and_then(|flash| flash.email)
        .unwrap_or_default();
    let password = NodeRef::<leptos::html::Input>::new();
    let (action, submit_label, password_autocomplete, min_length) = if new_account {
        (SignUp::url(), "Create account", "new-password", Some("8"))
    } else {
        (SignIn::url(), "Sign in", "current-password", None)
    };

    view! {
        // `post`: no password ever goes in a URL.
        <form
            method="post"
            action=action
            class="card auth-form"
            on:submit=move |ev| {
                if let Some(creds) = take_submission::<Registration>(&ev) {
                    // A wrong password is not left in the field for another try to append to.
                    if let Some(input) = password.get_untracked() {
                        input.set_value("");
                    }
                    submit.dispatch(creds);
                }
            }
        >
            <label>
                "Email"
                <input type="email" name="email" autocomplete="email" required value=typed_email/>
            </label>
            <label>
                "Password"
                <input type="password" name="password" autocomplete=password_autocomplete required minlength=min_length node_ref=password/>
            </label>
            // Shown with the user's public posts instead of the email address.
            {new_account.then(|| view! {
                <label>
                    "Display name (optional)"
                    <input type="text" name="display_name" autocomplete="nickname" maxlength=MAX_DISPLAY_NAME_CHARS.to_string() aria-describedby="display-name-hint"/>
                </label>
                <p id="display-name-hint" class="muted small field-hint">
                    "Shown with your public posts, never your email. Left blank, you appear as “Member” and a short code."
                </p>
            })}
            <Show when=move || error().is_some()>
                <p class="form-error" role="alert">{error}</p>
            </Show>
            <button type="submit" class="button-primary" disabled=move || submit.pending().get()>
                {submit_label}
            </button>
        </form>
    }
}
