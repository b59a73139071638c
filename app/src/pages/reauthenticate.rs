//! `/reauthenticate?then=…`: the password asked for again, as a page, for a guarded action
//! sent by a plain form (no JavaScript, so no dialog). Confirming goes back to the page
//! the action came from (`then`, one of the app's own pages), where it can be sent again.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::actions::Reauthenticate;
use crate::components::require_auth::RequireAuth;
use crate::components::server_form::error_after_plain_post;

// A page only a browser without JavaScript is sent to: its code is in the piece of the
// account's rare pages (`recovery::AccountPages`), fetched only if one is ever shown.

#[component]
pub fn ReauthenticatePage() -> impl IntoView {
    let then = use_query_map().with_untracked(|q| q.get("then"));
    // Only the app's own pages: anything else goes back to the profile.
    let then = then
        .as_deref()
        .and_then(wire::Landing::of_path)
        .unwrap_or(wire::Landing::Profile)
        .path();
    let error = error_after_plain_post::<Reauthenticate>().map(|e| match e {
        crate::app_error::AppError::WrongPassword => "That is not your password.".to_owned(),
        other => other.message(),
    });
    view! {
        <Title text="Enter your password again · Signout"/>
        <RequireAuth>
            <div class="auth-page">
                <h1>"Enter your password again"</h1>
                <p id="reauth-page-why">
                    "To keep your account safe if someone else gets hold of this session, "
                    "what you asked for needs your password first. Then send it again."
                </p>
                <form method="post" action=Reauthenticate::url() class="stack"
                    aria-label="Enter your password again" aria-describedby="reauth-page-why">
                    <input type="hidden" name="then" value=then/>
                    <label>"Password"
                        <input type="password" name="password" autocomplete="current-password" required autofocus/>
                    </label>
                    {error.clone().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                    <button type="submit" class="button-primary">"Confirm"</button>
                    <a href=then>"Cancel"</a>
                </form>
            </div>
        </RequireAuth>
    }
}
