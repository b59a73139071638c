//! Changing the email, which signs out every other session. What is wrong is said under
//! the field it is about (an address in use, a wrong password), with or without JavaScript.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::app_error::AppError;
use crate::auth::actions::ChangeEmail;
use crate::auth::flows::AuthFlows;
use crate::components::field::{refusals_beside_fields, Field, FieldError};
use crate::components::server_form::{browser_action, error_after_plain_post, take_submission};

#[component]
pub fn ChangeEmailForm() -> impl IntoView {
    let flows = AuthFlows::expect();
    let submit = browser_action(
        error_after_plain_post::<ChangeEmail>().map(Err),
        move |input: &ChangeEmail| {
            let (flows, input) = (flows.clone(), input.clone());
            async move {
                flows
                    .change_email(input.current_password, input.new_email)
                    .await
            }
        },
    );
    let (email, password) = (NodeRef::<Input>::new(), NodeRef::<Input>::new());
    let (email_error, password_error): (FieldError, FieldError) = Default::default();
    let form_error = refusals_beside_fields(
        submit,
        vec![(email_error, email), (password_error, password)],
        |e| match e {
            AppError::EmailTaken | AppError::InvalidInput(_) => Some(0),
            AppError::WrongPassword => Some(1),
            _ => None,
        },
    );

    view! {
        <form method="post" action=ChangeEmail::url() aria-label="Change email" on:submit=move |ev| {
            if let Some(input) = take_submission::<ChangeEmail>(&ev) {
                if let Some(field) = password.get_untracked() {
                    field.set_value("");
                }
                submit.dispatch(input);
            }
        }>
            <Field
                id="change-email-new"
                label="New email"
                name="new_email"
                input_type="email"
                autocomplete="email"
                error=email_error
                node_ref=email
                autofocus=email_error.get_untracked().is_some()
            />
            <Field
                id="change-email-password"
                label="Confirm with your password"
                name="current_password"
                input_type="password"
                autocomplete="current-password"
                error=password_error
                node_ref=password
                autofocus=password_error.get_untracked().is_some()
            />
            <Show when=move || form_error.get().is_some()>
                <p class="form-error" role="alert">{move || form_error.get()}</p>
            </Show>
            <button type="submit" class="button-primary" disabled=move || submit.pending().get()>
                "Change email"
            </button>
        </form>
    }
}
