//! The web client's auth actions, as server functions: sign up, sign in, refresh, sign out
//! (`logout`), sign out everywhere or other devices (`logout_all`), revoke one device,
//! change password or email, report a concern.
//!
//! Each is also the `action` of a real HTML form, so it works as a plain POST before the
//! WASM has loaded and with JavaScript off: then it answers with a redirect to where the
//! user lands and a one-time notice for that page. Each forwards to the JSON API's handler
//! of the same action (`backend::web`), so cookies, limits and audit are the API's own.
//! They live under `/api/auth/web/`, inside the refresh cookie's `Path=/api/auth`: a
//! sign-out whose access cookie has expired still presents its refresh token.

use leptos::prelude::*;

use crate::app_error::AppError;
use crate::wire::{LogoutAllResponse, LogoutResponse, SessionsEnded, SignedIn};

/// Creates an account and signs it in here. `display_name` is optional (a plain form
/// sends it blank when left empty).
#[server(prefix = "/api/auth/web", endpoint = "sign-up")]
pub async fn sign_up(
    email: String,
    password: String,
    display_name: Option<String>,
) -> Result<SignedIn, AppError> {
    use crate::backend::web;
    use crate::wire::Registration;
    let registration = Registration {
        email: email.clone(),
        password,
        display_name,
    };
    let result = web::forward("/api/auth/register", &registration).await;
    match &result {
        Ok(_) => web::land("/dashboard", None),
        Err(_) => web::keep_typed_email(&email),
    }
    result
}

/// Starts a new session on this device.
#[server(prefix = "/api/auth/web", endpoint = "sign-in")]
pub async fn sign_in(email: String, password: String) -> Result<SignedIn, AppError> {
    use crate::backend::web;
    use crate::wire::Credentials;
    let credentials = Credentials {
        email: email.clone(),
        password,
    };
    let result = web::forward("/api/auth/login", &credentials).await;
    match &result {
        Ok(_) => web::land("/dashboard", None),
        Err(_) => web::keep_typed_email(&email),
    }
    result
}

/// Renews the access cookie with the refresh cookie (the client's one "401 → refresh →
/// retry" path).
#[server(prefix = "/api/auth/web", endpoint = "refresh")]
pub async fn refresh() -> Result<SignedIn, AppError> {
    crate::backend::web::forward("/api/auth/refresh", &()).await
}

/// Signs this device out: ends its session on the server, clears its cookies, and asks
/// the browser to drop its caches and storage. Always succeeds, whatever was presented.
#[server(prefix = "/api/auth/web", endpoint = "logout")]
pub async fn logout() -> Result<LogoutResponse, AppError> {
    use crate::backend::web;
    use crate::wire::{LogoutRequest, Notice};
    let result = web::forward("/api/auth/logout", &LogoutRequest::default()).await;
    if result.is_err() {
        // Never a sign-out lost: see `web::mark_sign_out_pending`.
        web::mark_sign_out_pending();
    }
    web::land("/", Some(Notice::SignedOut));
    result
}

/// Signs out every device of the user, this one included; or, with `keep_current`, every
/// other device.
#[server(prefix = "/api/auth/web", endpoint = "logout-all")]
pub async fn logout_all(keep_current: bool) -> Result<LogoutAllResponse, AppError> {
    use crate::backend::web;
    use crate::wire::{LogoutAllRequest, Notice};
    let result: Result<LogoutAllResponse, _> =
        web::forward("/api/auth/logout-all", &LogoutAllRequest { keep_current }).await;
    if let Ok(answer) = &result {
        if keep_current {
            web::land(
                "/profile",
                Some(Notice::OtherDevicesSignedOut(answer.revoked)),
            );
        } else {
            web::land("/login", Some(Notice::SignedOutEverywhere));
        }
    }
    result
}

/// Signs out one of the user's other devices.
#[server(prefix = "/api/auth/web", endpoint = "revoke-session")]
pub async fn revoke_session(session_id: String) -> Result<SessionsEnded, AppError> {
    use crate::backend::{devices, server_fn_auth::require_auth, web};
    use crate::wire::{device_signed_out, Notice, RevokeSessionRequest};
    // Read before it ends, to name it in the answer; nothing is said of someone else's.
    let device = match require_auth() {
        Ok((state, auth)) => devices::label_of_own_session(&state.db, auth.user_id(), &session_id)
            .await
            .ok()
            .flatten(),
        Err(_) => None,
    };
    let mut result: Result<SessionsEnded, AppError> = web::forward(
        "/api/auth/sessions/revoke",
        &RevokeSessionRequest { session_id },
    )
    .await;
    if let Ok(answer) = &mut result {
        if let Some(device) = &device {
            answer.message = device_signed_out(device);
            web::name_revoked_device(device);
        }
        web::land("/profile", Some(Notice::DeviceSignedOut));
    }
    result
}

/// Changes the password and signs out every other device.
#[server(prefix = "/api/auth/web", endpoint = "change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<SessionsEnded, AppError> {
    use crate::backend::web;
    use crate::wire::{ChangePasswordRequest, Notice};
    let request = ChangePasswordRequest {
        current_password,
        new_password,
    };
    let result: Result<SessionsEnded, _> = web::forward("/api/auth/password", &request).await;
    if let Ok(answer) = &result {
        web::land("/profile", Some(Notice::PasswordChanged(answer.revoked)));
    }
    result
}

/// Changes the email and signs out every other device.
#[server(prefix = "/api/auth/web", endpoint = "change-email")]
pub async fn change_email(
    current_password: String,
    new_email: String,
) -> Result<SessionsEnded, AppError> {
    use crate::backend::web;
    use crate::wire::{ChangeEmailRequest, Notice};
    let request = ChangeEmailRequest {
        current_password,
        new_email,
    };
    let result: Result<SessionsEnded, _> = web::forward("/api/auth/email", &request).await;
    if let Ok(answer) = &result {
        web::land("/profile", Some(Notice::EmailChanged(answer.revoked)));
    }
    result
}

/// "Report a security concern": signs out every device, this one included.
#[server(prefix = "/api/auth/web", endpoint = "report-concern")]
pub async fn report_concern() -> Result<SessionsEnded, AppError> {
    use crate::backend::web;
    use crate::wire::Notice;
    let result = web::forward("/api/auth/report-concern", &()).await;
    if result.is_ok() {
        web::land("/login", Some(Notice::ConcernReported));
    }
    result
}
