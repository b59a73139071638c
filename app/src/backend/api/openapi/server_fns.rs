//! The server functions' HTTP paths in the OpenAPI document. `#[server]` generates their
//! routes, not their documentation, so each one is described here, in the one
//! `server_fns!` list below: method and path, the argument struct `#[server]` generated
//! and the fields of its body, the answer, and the statuses of its errors (every error is
//! the `{error, message}` body of `AppError`). The fields are checked against the generated
//! struct when this compiles. `server_functions_are_documented_with_their_methods` in the
//! API tests fails, naming the path, for a server function that is missing here.

use utoipa::OpenApi;

use crate::wire::Post;
use crate::wire::{ActivityEntry, ApiErrorBody, SessionView, SignedIn};

/// One entry per server function:
///
/// ```text
/// /// What it does.
/// post "/api/prefix/endpoint" => stub_name,
///     args path::ToGeneratedStruct as ArgsSchema ("application/json") { field: Type },
///     answer AnswerType, errors [400, 401];
/// ```
macro_rules! server_fns {
    ($(
        $(#[doc = $doc:literal])*
        $method:ident $path:literal => $stub:ident,
        $(args $($generated:ident)::+ as $args:ident ($content_type:literal) { $($field:ident: $ty:ty),* $(,)? },)?
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
        args crate::posts::SaveDraft as SaveDraftArgs ("application/json") { title: String, body: String },
        answer String, errors [400, 401, 403];
    /// Publishes one of the caller's drafts; answers `null`.
    post "/api/posts/publish" => publish_post,
        args crate::posts::PublishPost as PublishPostArgs ("application/json") { id: String },
        answer Option<String>, errors [400, 401, 403, 404];
    /// The caller's active sessions.
    get "/api/account/sessions" => my_sessions,
        answer Vec<SessionView>, errors [401];
    /// The caller's recent security events.
    get "/api/account/activity" => my_security_activity,
        answer Vec<ActivityEntry>, errors [401];
}
