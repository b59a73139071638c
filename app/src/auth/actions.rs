//! The web client's auth actions, as server functions: sign up, sign in, refresh, sign out
//! (`logout`), sign out everywhere or other devices (`logout_all`), revoke one device,
//! change password or email, report a concern.
//!
//! Each is the server-function door of a backend service (`backend::service`): it reads
//! its caller, runs the action, and delivers the outcome (`web_door::deliver`), so cookies,
//! limits, audit and landing pages are the service's own, the same as the JSON API's.
//! Each is also the `action` of a real HTML form, so it works as a plain POST before the
//! WASM has loaded and with JavaScript off: then it answers with a redirect to where the
//! user lands and a one-time notice for that page. They live under `/api/auth/web/`,
//! inside the refresh cookie's `Path=/api/auth`: a sign-out whose access cookie has
//! expired still presents its refresh token.

use leptos::prelude::*;

use crate::app_error::AppError;
use wire::{LogoutAllResponse, LogoutResponse, SessionsEnded, SignedIn};

/// Creates an account and signs it in here. `display_name` is optional (a plain form
/// sends it blank when left empty).
#[server(prefix = "/api/auth/web", endpoint = "sign-up")]
pub async fn sign_up(
    email: String,
    password: String,
    display_name: Option<String>,
) -> Result<SignedIn, AppError> {
    use crate::web_door;
    let (state, caller) = web_door::caller()?;
    let registration = wire::Registration {
        email: email.clone(),
        password,
        display_name: display_name.clone(),
    };
    let result = web_door::deliver(backend::service::sign_up(&state, &caller, registration).await);
    if result.is_err() {
        web_door::keep_typed(&email, display_name.as_deref());
    }
    result
}

/// Starts a new session on this device.
#[server(prefix = "/api/auth/web", endpoint = "sign-in")]
pub async fn sign_in(email: String, password: String) -> Result<SignedIn, AppError> {
    use crate::web_door;
    let (state, caller) = web_door::caller()?;
    let credentials = wire::Credentials {
        email: email.clone(),
        password,
    };
    let result = web_door::deliver(backend::service::sign_in(&state, &caller, credentials).await);
    if result.is_err() {
        web_door::keep_typed(&email, None);
    }
    result
}

/// Renews the access cookie with the refresh cookie (the client's one "401 → refresh →
/// retry" path).
#[server(prefix = "/api/auth/web", endpoint = "refresh")]
pub async fn refresh() -> Result<SignedIn, AppError> {
    use crate::web_door;
    let (state, caller) = web_door::caller()?;
    web_door::deliver(backend::service::refresh(&state, &caller).await)
}

/// Signs this device out: ends its session on the server, clears its cookies, and asks
/// the browser to drop its caches and storage. Always succeeds, whatever was presented,
/// but for the limit on requests that end nothing and a database that cannot be reached.
#[server(prefix = "/api/auth/web", endpoint = "logout")]
pub async fn logout() -> Result<LogoutResponse, AppError> {
    use crate::web_door;
    let (state, caller) = web_door::caller()?;
    web_door::deliver(backend::service::sign_out(&state, &caller, None).await)
}

/// Signs out every device of the user, this one included; or, with `keep_current`, every
/// other device.
#[server(prefix = "/api/auth/web", endpoint = "logout-all")]
pub async fn logout_all(keep_current: bool) -> Result<LogoutAllResponse, AppError> {
    use crate::web_door;
    let (state, auth, client) = web_door::require_auth()?;
    web_door::deliver(backend::service::sign_out_all(&state, &auth, &client, keep_current).await)
}

/// Signs out one of the user's other devices.
#[server(prefix = "/api/auth/web", endpoint = "revoke-session")]
pub async fn revoke_session(session_id: String) -> Result<SessionsEnded, AppError> {
    use crate::web_door;
    let (state, auth, client) = web_door::require_auth()?;
    web_door::deliver(backend::service::revoke_device(&state, &auth, &client, session_id).await)
}

/// Changes the password and signs out every other device.
#[server(prefix = "/api/auth/web", endpoint = "change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<SessionsEnded, AppError> {
    use crate::web_door;
    let (state, auth, client) = web_door::require_auth()?;
    let request = wire::ChangePasswordRequest {
        current_password,
        new_password,
    };
    web_door::deliver(backend::service::change_password(&state, &auth, &client, request).await)
}

/// Changes the email and signs out every other device.
#[server(prefix = "/api/auth/web", endpoint = "change-email")]
pub async fn change_email(
    current_password: String,
    new_email: String,
) -> Result<SessionsEnded, AppError> {
    use crate::web_door;
    let (state, auth, client) = web_door::require_auth()?;
    let request = wire::ChangeEmailRequest {
        current_password,
        new_email,
    };
    web_door::deliver(backend::service::change_email(&state, &auth, &client, request).await)
}

/// "Report a security concern": signs out every device, this one included.
#[server(prefix = "/api/auth/web", endpoint = "report-concern")]
pub async fn report_concern() -> Result<SessionsEnded, AppError> {
    use crate::web_door;
    let (state, auth, client) = web_door::require_auth()?;
    web_door::deliver(backend::service::report_concern(&state, &auth, &client).await)
}

/// Deletes the account: every session ends, and this browser is signed out. A plain
/// form's checkbox `keep_published_posts` is sent (as "on") only when ticked.
#[server(prefix = "/api/auth/web", endpoint = "delete-account")]
pub async fn delete_account(
    current_password: String,
    keep_published_posts: Option<String>,
) -> Result<SessionsEnded, AppError> {
    use crate::web_door;
    let (state, auth, client) = web_door::require_auth()?;
    let request = wire::DeleteAccountRequest {
        current_password,
        keep_published_posts: Some(keep_published_posts.is_some_and(|v| v != "false")),
    };
    web_door::deliver(backend::service::delete_account(&state, &auth, &client, request).await)
}

/// Confirms the password again for the guarded actions. A plain form post goes back to
/// the page that asked (`then`, one of the app's pages), to carry on there.
#[server(prefix = "/api/auth/web", endpoint = "reauthenticate")]
pub async fn reauthenticate(
    password: String,
    then: Option<String>,
) -> Result<wire::Reauthenticated, AppError> {
    use crate::web_door;
    let (state, auth, client) = web_door::require_auth()?;
    let request = wire::ReauthenticateRequest { password };
    let mut outcome = backend::service::reauthenticate(&state, &auth, &client, request).await;
    if let (Some(next), Some(back)) = (
        outcome.next.as_mut(),
        then.as_deref().and_then(wire::Landing::of_path),
    ) {
        next.landing = back;
    }
    web_door::deliver(outcome)
}

/// Asks for a password-reset link by mail: the same answer whatever the address.
#[server(prefix = "/api/auth/web", endpoint = "password-reset-request")]
pub async fn request_password_reset(email: String) -> Result<wire::Accepted, AppError> {
    use crate::web_door;
    let (state, caller) = web_door::caller()?;
    web_door::deliver(
        backend::service::recovery::request_password_reset(&state, &caller, email).await,
    )
}

/// Sets the new password with a reset link's token; every session of the account ends and
/// this browser is signed in with a new one.
#[server(prefix = "/api/auth/web", endpoint = "password-reset-confirm")]
pub async fn confirm_password_reset(
    token: String,
    new_password: String,
) -> Result<SignedIn, AppError> {
    use crate::web_door;
    let (state, caller) = web_door::caller()?;
    let input = wire::PasswordResetConfirm {
        token,
        new_password,
    };
    web_door::deliver(
        backend::service::recovery::confirm_password_reset(&state, &caller, input).await,
    )
}

/// Whether a mail's link still works (`purpose`: `not_me` or `password_reset`), so that its
/// page can say so before anything is pressed. Using it is another matter: only the
/// action itself, in one transaction, decides.
#[server(prefix = "/api/auth/web", endpoint = "mail-link", input = leptos::server_fn::codec::GetUrl)]
pub async fn mail_link_usable(token: String, purpose: String) -> Result<bool, AppError> {
    use crate::web_door;
    use backend::mail::links::{self, Purpose};
    let state = web_door::app_state()?;
    let purpose = match purpose.as_str() {
        "not_me" => Purpose::NotMe,
        "password_reset" => Purpose::PasswordReset,
        _ => return Err(AppError::InvalidInput("unknown purpose".into())),
    };
    let token = backend::secret::Secret::new(token);
    links::is_usable(&state.db, &token, purpose, state.clock.now())
        .await
        .map_err(web_door::refused)
}
