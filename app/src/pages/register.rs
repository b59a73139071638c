//! `/register`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::auth_form::{AuthForm, AuthFormKind};

#[component]
pub fn RegisterPage() -> impl IntoView {
    view! {
        <Title text="Create account · Signout"/>
        <div class="auth-page">
            <h1>"Create account"</h1>
            <AuthForm kind=AuthFormKind::CreateAccount/>
            <p class="muted">"Already registered? " <A href="/login">"Sign in"</A></p>
        </div>
    }
}
