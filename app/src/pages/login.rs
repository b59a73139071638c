//! `/login`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::auth_form::{AuthForm, AuthFormKind};

#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <Title text="Sign in · Signout"/>
        <div class="auth-page">
            <h1>"Sign in"</h1>
            <AuthForm kind=AuthFormKind::SignIn/>
            <p class="muted"><A href="/forgot-password">"Forgot your password?"</A></p>
            <p class="muted">"No account yet? " <A href="/register">"Create one"</A></p>
        </div>
    }
}
