//! `/login`.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::auth_form::AuthForm;

#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <h1>"Sign in"</h1>
        <AuthForm endpoint="/api/auth/login" submit_label="Sign in" password_autocomplete="current-password"/>
        <p class="muted">"No account yet? " <A href="/register">"Create one"</A></p>
    }
}
