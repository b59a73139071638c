//! `/register`.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::auth_form::AuthForm;

#[component]
pub fn RegisterPage() -> impl IntoView {
    view! {
        <h1>"Create account"</h1>
        <AuthForm endpoint="/api/auth/register" submit_label="Create account" password_autocomplete="new-password"/>
        <p class="muted">"Passwords need at least 8 characters. Already registered? " <A href="/login">"Sign in"</A></p>
    }
}
