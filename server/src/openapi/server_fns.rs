//! The server functions' HTTP paths in the OpenAPI document. `#[server]` generates their
//! routes, not their documentation, so each one is described here, in the one
//! `server_fns!` list below: method and path, the argument struct `#[server]` generated
//! and the fields of its body, the answer, and the statuses of its errors (every error is
//! the `{error, message}` body of `AppError`). The fields are checked against the generated
//! struct when this compiles. `server_functions_are_documented_with_their_methods` in the
//! API tests fails, naming the path, for a server function that is missing here.

use utoipa::OpenApi;

use wire::{
    Accepted, ActivityPage, AdminUsers, ApiErrorBody, LogoutAllResponse, LogoutResponse, Post,
    Reauthenticated, SessionDetails, SessionsEnded, SignedIn, SignedInDevices,
};

/// The body encodings of server functions: `input = Json`, and the default (`PostUrl`).
const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// One entry per server function:
///
/// ```text
/// /// What it does.
/// post "/api/prefix/endpoint" => stub_name,
///     args path::ToGeneratedStruct as ArgsSchema (JSON) { field: Type },
///     answer AnswerType, errors [400, 401];
/// ```
macro_rules! server_fns {
    ($(
        $(#[doc = $doc:literal])*
        $method:ident $path:literal => $stub:ident,
        $(args $($generated:ident)::+ as $args:ident ($content_type:ident) { $($field:ident: $ty:ty),* $(,)? },)?
        answer $answer:ty, errors [$($status:literal),* $(,)?];
    )*) => {
        $($(
            /// The arguments, as the body carries them.
            #[derive(utoipa::ToSchema)]
            #[allow(dead_code)]
            pub struct $args {
                $($field: $ty),*
            }

            // The documented fields are exactly those of the generated struct, with the
            // same types: otherwise this does not compile.
            const _: fn() = || {
                let generated = $($generated)::+ { $($field: Default::default()),* };
                $(let _: $ty = generated.$field;)*
            };
        )?

        $(#[doc = $doc])*
        #[utoipa::path($method, path = $path, tag = "server functions",
            security((), ("bearer" = []), ("access_cookie" = [])),
            $(request_body(content = $args, content_type = $content_type),)?
            responses(
                (status = 200, body = $answer),
                $((status = $status, description = "`{error, message}`", body = ApiErrorBody),)*
            ))]
        #[allow(dead_code)]
        fn $stub() {}
        )*

        #[derive(OpenApi)]
        #[openapi(paths($($stub),*))]
        pub struct ServerFnDoc;
    };
}

server_fns! {
    /// The caller, or `null` when signed out.
    get "/api/session/current" => current_session,
        answer Option<SignedIn>, errors [];
    /// The newest published posts. Public.
    get "/api/posts/published" => published_posts,
        answer Vec<Post>, errors [];
    /// The caller's own posts, drafts included.
    get "/api/posts/mine" => my_posts,
        answer Vec<Post>, errors [401];
    /// Saves a private draft; answers its id.
    post "/api/posts/drafts" => save_draft,
        args app::posts::SaveDraft as SaveDraftArgs (JSON) { title: String, body: String },
        answer String, errors [400, 401, 403];
    /// Publishes one of the caller's drafts; answers `null`.
    post "/api/posts/publish" => publish_post,
        args app::posts::PublishPost as PublishPostArgs (JSON) { id: String },
        answer Option<String>, errors [400, 401, 403, 404];
    /// Takes one of the caller's published posts back to a private draft; answers `null`.
    post "/api/posts/unpublish" => unpublish_post,
        args app::posts::UnpublishPost as UnpublishPostArgs (JSON) { id: String },
        answer Option<String>, errors [400, 401, 403, 404];
    /// Changes the title and body of one of the caller's posts; answers `null`.
    post "/api/posts/update" => update_post,
        args app::posts::UpdatePost as UpdatePostArgs (JSON) { id: String, title: String, body: String },
        answer Option<String>, errors [400, 401, 403, 404];
    /// Deletes one of the caller's posts for good; answers `null`.
    post "/api/posts/delete" => delete_post,
        args app::posts::DeletePost as DeletePostArgs (JSON) { id: String },
        answer Option<String>, errors [400, 401, 403, 404];
    /// The caller's active sessions, the current one first, and the server's time.
    get "/api/account/sessions" => my_sessions,
        answer SignedInDevices, errors [401];
    /// One of the caller's sessions in full (`?id=<session id>`), live or ended in the last
    /// 30 days, for its details page.
    get "/api/account/session" => my_session,
        answer SessionDetails, errors [400, 401, 404];
    /// The caller's recent security events: `?shown=<n>` of them (20 when not given, at
    /// most 200), and whether older ones exist.
    get "/api/account/activity" => my_security_activity,
        answer ActivityPage, errors [400, 401];

    // The web client's actions: each also works as a plain HTML form post, which is then
    // answered with a redirect (`Accept: text/html`); these are their JSON answers.
    /// Creates an account and signs it in here (cookies).
    post "/api/auth/web/sign-up" => sign_up,
        args app::auth::actions::SignUp as SignUpArgs (FORM) {
            email: String, password: String, display_name: Option<String>
        },
        answer SignedIn, errors [400, 403, 409, 429];
    /// Starts a new session on this device (cookies).
    post "/api/auth/web/sign-in" => sign_in,
        args app::auth::actions::SignIn as SignInArgs (FORM) { email: String, password: String },
        answer SignedIn, errors [400, 401, 403, 429];
    /// Renews the access cookie with the refresh cookie.
    post "/api/auth/web/refresh" => web_refresh,
        answer SignedIn, errors [400, 401, 403, 429];
    /// Signs this device out; always succeeds.
    post "/api/auth/web/logout" => web_logout,
        answer LogoutResponse, errors [400, 403, 429];
    /// Signs out every device, or every other one with `keep_current`.
    post "/api/auth/web/logout-all" => web_logout_all,
        args app::auth::actions::LogoutAll as LogoutAllArgs (FORM) { keep_current: bool },
        answer LogoutAllResponse, errors [400, 401, 403, 429];
    /// Signs out one of the caller's other devices.
    post "/api/auth/web/revoke-session" => revoke_session,
        args app::auth::actions::RevokeSession as RevokeSessionArgs (FORM) { session_id: String },
        answer SessionsEnded, errors [400, 401, 403, 404, 429];
    /// Changes the password and signs out every other device.
    post "/api/auth/web/change-password" => web_change_password,
        args app::auth::actions::ChangePassword as ChangePasswordArgs (FORM) {
            current_password: String, new_password: String
        },
        answer SessionsEnded, errors [400, 401, 403, 429];
    /// Changes the email and signs out every other device.
    post "/api/auth/web/change-email" => web_change_email,
        args app::auth::actions::ChangeEmail as ChangeEmailArgs (FORM) {
            current_password: String, new_email: String
        },
        answer SessionsEnded, errors [400, 401, 403, 409, 429];
    /// Signs out every device, this one included.
    post "/api/auth/web/report-concern" => web_report_concern,
        answer SessionsEnded, errors [400, 401, 403, 429];
    /// Deletes the account (every session ends; this browser is signed out).
    /// `keep_published_posts` ("on") leaves the published posts up as "Former member".
    post "/api/auth/web/delete-account" => web_delete_account,
        args app::auth::actions::DeleteAccount as DeleteAccountArgs (FORM) {
            current_password: String, keep_published_posts: Option<String>
        },
        answer SessionsEnded, errors [400, 401, 403, 429];
    /// Confirms the password again for the guarded actions; `then` is the page a plain
    /// form post returns to.
    post "/api/auth/web/reauthenticate" => web_reauthenticate,
        args app::auth::actions::Reauthenticate as ReauthenticateArgs (FORM) {
            password: String, then: Option<String>
        },
        answer Reauthenticated, errors [400, 401, 403, 429];
    /// Asks for a password-reset link by mail: the same answer whatever the address.
    post "/api/auth/web/password-reset-request" => web_password_reset_request,
        args app::auth::actions::RequestPasswordReset as RequestPasswordResetArgs (FORM) {
            email: String
        },
        answer Accepted, errors [400, 403, 429];
    /// Sets the new password with a reset link's token; signs this browser in.
    post "/api/auth/web/password-reset-confirm" => web_password_reset_confirm,
        args app::auth::actions::ConfirmPasswordReset as ConfirmPasswordResetArgs (FORM) {
            token: String, new_password: String
        },
        answer SignedIn, errors [400, 403];
    /// Whether a mail's link (`?token=&purpose=not_me|password_reset`) still works.
    get "/api/auth/web/mail-link" => web_mail_link,
        answer bool, errors [400];
    /// Administrators only (404 for anyone else): accounts whose email contains
    /// `?email=`.
    get "/api/admin/web/users" => admin_find_users,
        answer AdminUsers, errors [400, 401, 404];
    /// Administrators only: the live sessions of `?user_id=`.
    get "/api/admin/web/sessions" => admin_user_sessions,
        answer SignedInDevices, errors [400, 401, 404];
    /// Administrators only: ends every session of one user.
    post "/api/admin/web/end-sessions" => admin_end_sessions,
        args app::admin::AdminEndSessions as AdminEndSessionsArgs (FORM) { user_id: String },
        answer SessionsEnded, errors [400, 401, 403, 404];
    /// Administrators only: disables (every session ends) or enables one user.
    post "/api/admin/web/set-disabled" => admin_set_disabled,
        args app::admin::AdminSetDisabled as AdminSetDisabledArgs (FORM) {
            user_id: String, disable: bool
        },
        answer SessionsEnded, errors [400, 401, 403, 404];
    /// Administrators only: ends every session of every user, once `confirm` is
    /// "end every session".
    post "/api/admin/web/end-every-session" => admin_end_every_session,
        args app::admin::AdminEndEverySession as AdminEndEverySessionArgs (FORM) {
            confirm: String
        },
        answer SessionsEnded, errors [400, 401, 403, 404];
    /// The dashboard's draft form: saves a private draft; answers its id.
    post "/api/web/posts/write-draft" => write_draft,
        args app::posts::WriteDraft as WriteDraftArgs (FORM) { title: String, body: String },
        answer String, errors [400, 401, 403];
    /// The dashboard's publish button; answers `null`.
    post "/api/web/posts/publish" => publish_draft,
        args app::posts::PublishDraft as PublishDraftArgs (FORM) { id: String },
        answer Option<String>, errors [400, 401, 403, 404];
    /// The dashboard's unpublish button; answers `null`.
    post "/api/web/posts/unpublish" => unpublish_draft,
        args app::posts::UnpublishDraft as UnpublishDraftArgs (FORM) { id: String },
        answer Option<String>, errors [400, 401, 403, 404];
    /// The dashboard's edit form; answers `null`.
    post "/api/web/posts/edit" => edit_draft,
        args app::posts::EditDraft as EditDraftArgs (FORM) { id: String, title: String, body: String },
        answer Option<String>, errors [400, 401, 403, 404];
    /// The dashboard's delete confirmation; answers `null`.
    post "/api/web/posts/delete" => delete_draft,
        args app::posts::DeleteDraft as DeleteDraftArgs (FORM) { id: String },
        answer Option<String>, errors [400, 401, 403, 404];
}
