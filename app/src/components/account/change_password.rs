//! Changing the password, which signs out every other session. A wrong current password is
//! said under that field, a refused new one under its own, with or without JavaScript.

use leptos::html::{Form, Input};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::app_error::AppError;
use crate::auth::actions::ChangePassword;
use crate::auth::flows::AuthFlows;
use crate::components::field::{refusals_beside_fields, Field, FieldError};
use crate::components::server_form::{browser_action, error_after_plain_post, take_submission};
use wire::rules;

#[component]
pub fn ChangePasswordForm() -> impl IntoView {
    let flows = AuthFlows::expect();
    let submit = browser_action(
        error_after_plain_post::<ChangePassword>().map(Err),
        move |input: &ChangePassword| {
            let (flows, input) = (flows.clone(), input.clone());
            async move {
                flows
                    .change_password(input.current_password, input.new_password)
                    .await
            }
        },
    );
    let form = NodeRef::<Form>::new();
    let (current, new) = (NodeRef::<Input>::new(), NodeRef::<Input>::new());
    let (current_error, new_error): (FieldError, FieldError) = Default::default();
    let form_error = refusals_beside_fields(
        submit,
        vec![(current_error, current), (new_error, new)],
        |e| match e {
            AppError::WrongPassword => Some(0),
            AppError::InvalidInput(_) => Some(1),
            _ => None,
        },
    );

    view! {
        <form method="post" action=ChangePassword::url() aria-label="Change password" node_ref=form on:submit=move |ev| {
            if let Some(input) = take_submission::<ChangePassword>(&ev) {
                // Passwords never stay in a field once sent.
                if let Some(form) = form.get_untracked() {
                    form.reset();
                }
                submit.dispatch(input);
            }
        }>
            <Field
                id="change-password-current"
                label="Current password"
                name="current_password"
                input_type="password"
                autocomplete="current-password"
                error=current_error
                node_ref=current
                autofocus=current_error.get_untracked().is_some()
            />
            <Field
                id="change-password-new"
                label="New password"
                name="new_password"
                input_type="password"
                autocomplete="new-password"
                hint=Some(format!("At least {} characters.", rules::MIN_PASSWORD_CHARS))
                minlength=Some(rules::MIN_PASSWORD_CHARS)
                error=new_error
                node_ref=new
                autofocus=new_error.get_untracked().is_some()
            />
            <Show when=move || form_error.get().is_some()>
                <p class="form-error" role="alert">{move || form_error.get()}</p>
            </Show>
            <button type="submit" class="button-primary" disabled=move || submit.pending().get()>
                "Change password"
            </button>
        </form>
    }
}
