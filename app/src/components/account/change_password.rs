//! Changing the password, which signs out every other session.

use leptos::html::Form;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::auth::actions::ChangePassword;
use crate::auth::flows::AuthFlows;
use crate::components::server_form::{
    browser_action, error_after_plain_post, form_error, take_submission,
};

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
    let error = form_error(submit);
    let form = NodeRef::<Form>::new();

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
            <label>"Current password" <input type="password" name="current_password" autocomplete="current-password" required/></label>
            <label>"New password" <input type="password" name="new_password" autocomplete="new-password" minlength="8" required/></label>
            <Show when=move || error().is_some()>
                <p class="form-error" role="alert">{error}</p>
            </Show>
            <button type="submit" class="button-primary" disabled=move || submit.pending().get()>
                "Change password"
            </button>
        </form>
    }
}
