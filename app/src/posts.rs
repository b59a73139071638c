//! Blog posts: the public list anyone can read, and each user's private drafts. The
//! server functions check authentication themselves; the UI guard is a convenience.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    pub id: String,
    pub title: String,
    pub body: String,
    pub published: bool,
    pub created_at: i64,
    pub author_email: String,
}

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 20_000;

/// The newest published posts, for the home page. Public.
#[server(prefix = "/api", endpoint = "posts/published", input = server_fn::codec::GetUrl)]
pub async fn published_posts() -> Result<Vec<Post>, ServerFnError> {
    let state = expect_context::<crate::backend::AppState>();
    crate::backend::posts::list_published(&state.db, 50)
        .await
        .map_err(|e| server_error(e.into()))
}

/// The caller's own posts, drafts included. Requires a valid, unrevoked access token.
#[server(prefix = "/api", endpoint = "posts/mine", input = server_fn::codec::GetUrl)]
pub async fn my_posts() -> Result<Vec<Post>, ServerFnError> {
    let (state, auth) = crate::backend::server_fn_auth::require_auth()?;
    crate::backend::posts::list_by_author(&state.db, auth.user_id())
        .await
        .map_err(|e| server_error(e.into()))
}

/// Saves a new private draft for the caller.
#[server(prefix = "/api", endpoint = "posts/drafts")]
pub async fn save_draft(title: String, body: String) -> Result<String, ServerFnError> {
    let (state, auth) = crate::backend::server_fn_auth::require_auth()?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(crate::backend::server_fn_auth::bad_request(format!(
            "the title must have 1 to {MAX_TITLE_CHARS} characters"
        )));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(crate::backend::server_fn_auth::bad_request(format!(
            "the body must have at most {MAX_BODY_CHARS} characters"
        )));
    }
    crate::backend::posts::create_draft(&state.db, auth.user_id(), title, &body, state.clock.now())
        .await
        .map_err(|e| server_error(e.into()))
}

/// Publishes one of the caller's drafts.
#[server(prefix = "/api", endpoint = "posts/publish")]
pub async fn publish_post(id: String) -> Result<(), ServerFnError> {
    let (state, auth) = crate::backend::server_fn_auth::require_auth()?;
    let found = crate::backend::posts::publish(&state.db, auth.user_id(), &id, state.clock.now())
        .await
        .map_err(|e| server_error(e.into()))?;
    if found {
        Ok(())
    } else {
        Err(crate::backend::server_fn_auth::status_error(
            http::StatusCode::NOT_FOUND,
            "no such draft",
        ))
    }
}

#[cfg(feature = "ssr")]
fn server_error(cause: anyhow::Error) -> ServerFnError {
    crate::backend::server_fn_auth::internal(cause)
}
