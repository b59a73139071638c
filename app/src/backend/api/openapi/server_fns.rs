//! The server functions' HTTP paths in the OpenAPI document. `#[server]` generates their
//! routes, not their documentation, so each one is described here by a stub carrying its
//! `#[utoipa::path]`; `server_fn_paths_are_documented` in the API tests fails, naming the
//! path, when a server function has no entry. To add one: a stub below (and, for JSON
//! arguments, a `*Args` schema whose fields the test `args_schemas_match` checks), then
//! its name in `ServerFnDoc`'s `paths(...)`.
//!
//! Every error is the `{error, message}` body of `AppError`, with its HTTP status.

#![allow(dead_code)] // the stubs and argument schemas exist only for the document

use utoipa::{OpenApi, ToSchema};

use crate::wire::Post;
use crate::wire::{ActivityEntry, ApiErrorBody, SessionView, SignedIn};

#[derive(OpenApi)]
#[openapi(paths(
    current_session,
    published_posts,
    my_posts,
    save_draft,
    publish_post,
    my_sessions,
    my_security_activity
))]
pub struct ServerFnDoc;

/// The arguments of `save_draft`.
#[derive(ToSchema)]
pub struct SaveDraftArgs {
    /// 1 to 200 characters.
    title: String,
    /// At most 20,000 characters.
    body: String,
}

/// The arguments of `publish_post`.
#[derive(ToSchema)]
pub struct PublishPostArgs {
    /// The id of one of the caller's drafts.
    id: String,
}

/// The caller, or `null` when signed out.
#[utoipa::path(get, path = "/api/session/current", tag = "server functions",
    responses((status = 200, body = Option<SignedIn>)))]
fn current_session() {}

/// The newest published posts. Public.
#[utoipa::path(get, path = "/api/posts/published", tag = "server functions",
    responses((status = 200, body = Vec<Post>)))]
fn published_posts() {}

/// The caller's own posts, drafts included.
#[utoipa::path(get, path = "/api/posts/mine", tag = "server functions",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, body = Vec<Post>),
        (status = 401, description = "not signed in", body = ApiErrorBody),
    ))]
fn my_posts() {}

/// Saves a private draft; answers its id.
#[utoipa::path(post, path = "/api/posts/drafts", tag = "server functions",
    security(("bearer" = []), ("access_cookie" = [])),
    request_body = SaveDraftArgs,
    responses(
        (status = 200, body = String),
        (status = 400, description = "invalid arguments", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
    ))]
fn save_draft() {}

/// Publishes one of the caller's drafts.
#[utoipa::path(post, path = "/api/posts/publish", tag = "server functions",
    security(("bearer" = []), ("access_cookie" = [])),
    request_body = PublishPostArgs,
    responses(
        (status = 200, description = "published (`null`)", body = Option<String>),
        (status = 400, description = "invalid arguments", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
        (status = 404, description = "no such draft of the caller", body = ApiErrorBody),
    ))]
fn publish_post() {}

/// The caller's active sessions.
#[utoipa::path(get, path = "/api/account/sessions", tag = "server functions",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, body = Vec<SessionView>),
        (status = 401, description = "not signed in", body = ApiErrorBody),
    ))]
fn my_sessions() {}

/// The caller's recent security events.
#[utoipa::path(get, path = "/api/account/activity", tag = "server functions",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, body = Vec<ActivityEntry>),
        (status = 401, description = "not signed in", body = ApiErrorBody),
    ))]
fn my_security_activity() {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The property names of a documented object schema.
    fn documented_fields<T: ToSchema>() -> BTreeSet<String> {
        let schema = serde_json::to_value(T::schema()).unwrap();
        schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn sent_fields(args: impl serde::Serialize) -> BTreeSet<String> {
        let value = serde_json::to_value(args).unwrap();
        value.as_object().unwrap().keys().cloned().collect()
    }

    /// The schemas are written by hand; this keeps them equal to what the generated
    /// argument structs (what the server really parses) carry.
    #[test]
    fn args_schemas_match() {
        let save = crate::posts::SaveDraft {
            title: String::new(),
            body: String::new(),
        };
        assert_eq!(documented_fields::<SaveDraftArgs>(), sent_fields(save));
        let publish = crate::posts::PublishPost { id: String::new() };
        assert_eq!(documented_fields::<PublishPostArgs>(), sent_fields(publish));
    }
}
