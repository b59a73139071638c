//! Deleting the account: every session ends at once, everywhere, and this browser signs
//! out. The form names the account it deletes, asks for the password, and lets the owner
//! choose whether their published posts stay up (signed "Former member").

use leptos::html::Form;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::auth::actions::DeleteAccount;
use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::server_form::{
    browser_action, error_after_plain_post, form_error, take_submission,
};

#[component]
pub fn DeleteAccountForm() -> impl IntoView {
    let flows = AuthFlows::expect();
    let auth = AuthStore::expect();
    let email = move || auth.session().map(|s| s.user.email).unwrap_or_default();
    let refused_before = error_after_plain_post::<DeleteAccount>();
    // A plain post came back refused: the password field, emptied, is where to go on.
    let focus_password = refused_before.is_some();
    let submit = browser_action(refused_before.map(Err), move |input: &DeleteAccount| {
        let (flows, input) = (flows.clone(), input.clone());
        async move {
            flows
                .delete_account(input.current_password, input.keep_published_posts.is_some())
                .await
        }
    });
    let error = form_error(submit);
    let form = NodeRef::<Form>::new();

    view! {
        <form method="post" action=DeleteAccount::url() aria-label="Delete account" node_ref=form
            on:submit=move |ev| {
            if let Some(input) = take_submission::<DeleteAccount>(&ev) {
                if let Some(form) = form.get_untracked() {
                    form.reset();
                }
                submit.dispatch(input);
            }
        }>
            <p id="delete-what">
                "This deletes the account " <strong>{email}</strong>
                " for good: every session ends at once on every device, your drafts are "
                "deleted, and the address can be used for a new account. This cannot be undone."
            </p>
            <label class="checkbox">
                <input type="checkbox" name="keep_published_posts" value="on"/>
                "Keep my published posts up, signed “Former member”"
            </label>
            <label>"Your password, to confirm"
                <input type="password" name="current_password" autocomplete="current-password" required autofocus=focus_password/>
            </label>
            <Show when=move || error().is_some()>
                <p class="form-error" role="alert">{error}</p>
            </Show>
            <button type="submit" class="button-danger" aria-describedby="delete-what"
                disabled=move || submit.pending().get()>
                {move || format!("Delete the account {}", email())}
            </button>
        </form>
    }
}
