//! The email + password form shared by sign-in and account creation. A real form: it
//! works as a plain post before the WASM has loaded and with JavaScript off.

use leptos::form::FromFormData;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::app_error::AppError;
use crate::auth::actions::{SignIn, SignUp};
use crate::auth::flows::AuthFlows;
use crate::components::field::{show_problems, Field, FieldError};
use crate::components::server_form::{browser_action, error_after_plain_post};
use wire::rules;
use wire::{Flash, Registration, MAX_DISPLAY_NAME_CHARS};

/// The field a plain post was refused for.
enum Refused {
    Email(String),
    DisplayName(String),
}

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
    let flash = use_context::<Flash>().unwrap_or_default();
    let typed_email = flash.email.unwrap_or_default();
    let typed_display_name = flash.display_name.unwrap_or_default();
    // A plain post refused for what was typed: the URL says only "invalid input", so the
    // field is found again by the same rules the server used, on what came back.
    let refused_field = match &after_plain_post {
        Some(AppError::EmailTaken) => Some(Refused::Email(AppError::EmailTaken.to_string())),
        Some(AppError::InvalidInput(_)) => rules::email_problem(&typed_email)
            .map(|problem| Refused::Email(problem.to_owned()))
            .or_else(|| {
                new_account
                    .then(|| rules::display_name_problem(typed_display_name.trim()))
                    .flatten()
                    .map(Refused::DisplayName)
            }),
        _ => None,
    };
    let submit = browser_action(
        // Said under its field, not again for the whole form.
        after_plain_post
            .filter(|_| refused_field.is_none())
            .map(Err),
        move |creds: &Registration| {
            let (flows, creds) = (flows.clone(), creds.clone());
            async move { flows.sign_in(creds, new_account).await }
        },
    );
    let (email, password) = (NodeRef::<Input>::new(), NodeRef::<Input>::new());
    let (email_error, password_error): (FieldError, FieldError) = Default::default();
    let display_name = NodeRef::<Input>::new();
    let display_name_error: FieldError = Default::default();

    // What the server refused: a taken address belongs to the email field; anything else
    // (wrong credentials, a limit, an outage) to the whole form. After wrong credentials
    // focus goes back to the (emptied) password field for another try.
    let form_error = Memo::new(move |_| {
        submit.value().with(|v| match v {
            Some(Err(AppError::EmailTaken)) => None,
            Some(Err(e)) => Some(e.message()),
            _ => None,
        })
    });
    Effect::new(move |_| {
        submit.value().with(|v| match v {
            Some(Err(e @ AppError::EmailTaken)) => {
                show_problems(&[(email_error, email, Some(e.to_string()))]);
            }
            Some(Err(AppError::InvalidCredentials)) => {
                if let Some(input) = password.get_untracked() {
                    let _ = input.focus();
                }
            }
            _ => {}
        })
    });
    let (email_refused, display_name_refused) = match refused_field {
        Some(Refused::Email(problem)) => {
            email_error.set(Some(problem));
            (true, false)
        }
        Some(Refused::DisplayName(problem)) => {
            display_name_error.set(Some(problem));
            (false, true)
        }
        None => (false, false),
    };

    // Once the client runs it checks the fields itself and says what is wrong beside
    // each one; until then (or without JavaScript) the browser's own checks apply.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let (action, submit_label, password_autocomplete, password_hint) = if new_account {
        (
            SignUp::url(),
            "Create account",
            "new-password",
            Some(format!(
                "At least {} characters.",
                rules::MIN_PASSWORD_CHARS
            )),
        )
    } else {
        (SignIn::url(), "Sign in", "current-password", None)
    };

    view! {
        // `post`: no password ever goes in a URL.
        <form
            method="post"
            action=action
            class="card auth-form"
            novalidate=move || hydrated.get()
            on:submit=move |ev| {
                let Ok(creds) = Registration::from_event(&ev) else { return };
                ev.prevent_default();
                let password_problem = if new_account {
                    rules::new_password_problem(&creds.password)
                } else {
                    creds.password.is_empty().then(|| "enter your password".to_owned())
                };
                let display_name_problem = creds
                    .display_name
                    .as_deref()
                    .and_then(|name| rules::display_name_problem(name.trim()));
                if show_problems(&[
                    (email_error, email, rules::email_problem(&creds.email).map(str::to_owned)),
                    (password_error, password, password_problem),
                    (display_name_error, display_name, display_name_problem),
                ]) {
                    return;
                }
                // A wrong password is not left in the field for another try to append to.
                if let Some(input) = password.get_untracked() {
                    input.set_value("");
                }
                submit.dispatch(creds);
            }
        >
            <Field
                id="auth-email"
                label="Email"
                name="email"
                input_type="email"
                autocomplete="email"
                value=typed_email
                error=email_error
                node_ref=email
                autofocus=email_refused
            />
            <Field
                id="auth-password"
                label="Password"
                name="password"
                input_type="password"
                autocomplete=password_autocomplete
                hint=password_hint
                minlength=new_account.then_some(rules::MIN_PASSWORD_CHARS)
                error=password_error
                node_ref=password
            />
            // Shown with the user's public posts instead of the email address.
            {new_account.then(|| view! {
                <Field
                    id="auth-display-name"
                    label="Display name (optional)"
                    name="display_name"
                    autocomplete="nickname"
                    hint=Some("Shown with your public posts, never your email. Left blank, you appear as “Member” and a short code.".to_owned())
                    maxlength=Some(MAX_DISPLAY_NAME_CHARS)
                    required=false
                    value=typed_display_name
                    error=display_name_error
                    node_ref=display_name
                    autofocus=display_name_refused
                />
            })}
            <Show when=move || form_error.get().is_some()>
                <p class="form-error" role="alert">{move || form_error.get()}</p>
            </Show>
            <button type="submit" class="button-primary" disabled=move || submit.pending().get()>
                {submit_label}
            </button>
        </form>
    }
}
