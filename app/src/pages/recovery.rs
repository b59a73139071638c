//! Getting an account back without a session, from a mail: `/account/not-me?token=…` (the
//! "Not me? Sign out everywhere" link), `/forgot-password` (asks for a reset link) and
//! `/reset-password?token=…` (sets the new password). Each is a plain HTML form posting to
//! the server, with or without JavaScript: these pages are reached from a mail, often on
//! another device, and must work before anything has loaded.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::actions::{mail_link_usable, ConfirmPasswordReset, RequestPasswordReset};
use crate::components::server_form::error_after_plain_post;
use wire::routes::{ADMIN_PATH, FORGOT_PASSWORD_PATH, NOT_ME_PATH, RESET_PASSWORD_PATH};

super::page_of_its_own! {
    /// The account's rare pages as one route type and one piece: `/account/not-me`,
    /// `/forgot-password`, `/reset-password`, `/reauthenticate` and the administrators'
    /// `/admin` (36 kB brotli together), fetched only by those who open one of them.
    AccountPagesRoute => AccountPages, piece account_pages
}

/// The page of the path the route matched.
#[component]
pub fn AccountPages() -> impl IntoView {
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    match path.as_str() {
        NOT_ME_PATH => view! { <NotMePage/> }.into_any(),
        FORGOT_PASSWORD_PATH => view! { <ForgotPasswordPage/> }.into_any(),
        RESET_PASSWORD_PATH => view! { <ResetPasswordPage/> }.into_any(),
        ADMIN_PATH => view! { <super::admin::AdminPage/> }.into_any(),
        _ => view! { <super::reauthenticate::ReauthenticatePage/> }.into_any(),
    }
}

fn token_in_url() -> String {
    use_query_map()
        .with_untracked(|q| q.get("token"))
        .unwrap_or_default()
}

/// "This link no longer works", or the page's form, once the server has said which.
fn while_usable(
    purpose: &'static str,
    form: impl Fn(String) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let token = token_in_url();
    let form = std::sync::Arc::new(form);
    let usable = crate::resource::resource(
        move || token.clone(),
        move |token| mail_link_usable(token, purpose.to_owned()),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Checking the link…"</p> }>
            {move || Suspend::new({
                let form = form.clone();
                async move {
                    match usable.await {
                        Ok(true) => form(token_in_url()),
                        _ => view! {
                            <p class="form-error" role="alert">
                                "This link no longer works: it was used, it expired, or the password changed since."
                            </p>
                            <p><a href="/forgot-password">"Ask for a new password link"</a></p>
                        }.into_any(),
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn NotMePage() -> impl IntoView {
    view! {
        <Title text="Not you? Sign out everywhere · Signout"/>
        <div class="auth-page">
            <h1>"Not you? Sign out everywhere"</h1>
            {while_usable("not_me", |token| view! {
                <p id="not-me-what">
                    "This ends every session of your account at once, on every device, "
                    "whoever holds it. Then you set a new password."
                </p>
                <form method="post" action=NOT_ME_PATH aria-describedby="not-me-what">
                    <input type="hidden" name="token" value=token/>
                    <button type="submit" class="button-danger">"Sign out everywhere"</button>
                </form>
            }.into_any())}
        </div>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let error = error_after_plain_post::<RequestPasswordReset>().map(|e| e.message());
    view! {
        <Title text="Forgot your password? · Signout"/>
        <div class="auth-page">
            <h1>"Forgot your password?"</h1>
            <p id="forgot-what">
                "Enter your account's email. If an account has it, we send it a link to set a "
                "new password; the link works once, for 30 minutes."
            </p>
            <form method="post" action=RequestPasswordReset::url() class="stack"
                aria-label="Ask for a password link" aria-describedby="forgot-what">
                <label>"Email"
                    <input type="email" name="email" autocomplete="email" required/>
                </label>
                {error.map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <button type="submit" class="button-primary">"Send the link"</button>
            </form>
            <p class="muted"><a href="/login">"Back to sign in"</a></p>
        </div>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let error = error_after_plain_post::<ConfirmPasswordReset>().map(|e| e.message());
    view! {
        <Title text="Set a new password · Signout"/>
        <div class="auth-page">
            <h1>"Set a new password"</h1>
            {error.map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {while_usable("password_reset", |token| view! {
                <p id="reset-what">
                    "Setting it signs out every session of your account, and signs you in here."
                </p>
                <form method="post" action=ConfirmPasswordReset::url() class="stack"
                    aria-label="Set a new password" aria-describedby="reset-what">
                    <input type="hidden" name="token" value=token/>
                    <label>"New password"
                        <input type="password" name="new_password" autocomplete="new-password"
                            minlength="8" required/>
                    </label>
                    <button type="submit" class="button-primary">"Set the new password"</button>
                </form>
            }.into_any())}
        </div>
    }
}
