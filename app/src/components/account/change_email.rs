//! Changing the email, which signs out every other session.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::auth::actions::ChangeEmail;
use crate::auth::flows::AuthFlows;
use crate::components::server_form::{
    browser_action, error_after_plain_post, form_error, take_submission,
};

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
    let error = form_error(submit);
    let password = NodeRef::<Input>::new();

    view! {
        <form method="post" action=ChangeEmail::url() aria-label="Change email" on:submit=move |ev| {
            if let Some(input) = take_submission::<ChangeEmail>(&ev) {
                if let Some(field) = password.get_untracked() {
                    field.set_value("");
                }
                submit.dispatch(input);
            }
        }>
            <label>"New email" <input type="email" name="new_email" autocomplete="email" required/></label>
            <label>"Confirm with your password" <input type="password" name="current_password" autocomplete="current-password" required node_ref=password/></label>
            <Show when=move || error().is_some()>
                <p class="form-error" role="alert">{error}</p>
            </Show>
            <button type="submit" class="button-primary" disabled=move || submit.pending().get()>
                "Change email"
            </button>
        </form>
    }
}
