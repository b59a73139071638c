//! Blog posts: the public list anyone can read, and each user's private drafts. The
//! server functions check authentication themselves; the UI guard is a convenience.

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

use crate::app_error::AppError;
use crate::wire::Post;

/// The newest published posts, for the home page. Public.
#[server(prefix = "/api", endpoint = "posts/published", input = GetUrl)]
pub async fn published_posts() -> Result<Vec<Post>, AppError> {
    use crate::backend::server_fn_auth::{app_state, internal};
    let state = app_state()?;
    crate::backend::posts::list_published(&state.db, 50)
        .await
        .map_err(internal)
}

/// The caller's own posts, drafts included. Requires a valid, unrevoked access token:
/// this is the private data that must never outlive a sign-out.
#[server(prefix = "/api", endpoint = "posts/mine", input = GetUrl)]
pub async fn my_posts() -> Result<Vec<Post>, AppError> {
    use crate::backend::server_fn_auth::{internal, require_auth};
    let (state, auth) = require_auth()?;
    crate::backend::posts::list_by_author(&state.db, auth.user_id())
        .await
        .map_err(internal)
}

/// Saves a new private draft for the caller and returns its id. The JSON door, for
/// scripts; the dashboard's form posts to `write_draft`.
#[server(prefix = "/api", endpoint = "posts/drafts", input = Json)]
pub async fn save_draft(title: String, body: String) -> Result<String, AppError> {
    ssr::create_draft(title, body).await
}

/// The dashboard's "Save draft" form (form-encoded, so it also works as a plain post).
#[server(prefix = "/api/web", endpoint = "posts/write-draft")]
pub async fn write_draft(title: String, body: String) -> Result<String, AppError> {
    let id = ssr::create_draft(title, body).await?;
    crate::backend::web::land("/dashboard", Some(crate::wire::Notice::DraftSaved));
    Ok(id)
}

/// Publishes one of the caller's drafts. The JSON door, for scripts.
#[server(prefix = "/api", endpoint = "posts/publish", input = Json)]
pub async fn publish_post(id: String) -> Result<(), AppError> {
    ssr::publish(id).await
}

/// The dashboard's "Publish" button (form-encoded, so it also works as a plain post).
#[server(prefix = "/api/web", endpoint = "posts/publish")]
pub async fn publish_draft(id: String) -> Result<(), AppError> {
    ssr::publish(id).await?;
    crate::backend::web::land("/dashboard", Some(crate::wire::Notice::DraftPublished));
    Ok(())
}

/// What the server functions above do, whichever door they were called by.
#[cfg(feature = "ssr")]
mod ssr {
    use crate::app_error::AppError;
    use crate::backend::server_fn_auth::{internal, require_auth};
    use crate::wire::{MAX_BODY_CHARS, MAX_TITLE_CHARS};

    pub async fn create_draft(title: String, body: String) -> Result<String, AppError> {
        let (state, auth) = require_auth()?;
        let title = title.trim();
        if title.is_empty()
            || title.chars().count() > MAX_TITLE_CHARS
            || title.chars().any(char::is_control)
        {
            return Err(AppError::InvalidInput(format!(
                "the title must have 1 to {MAX_TITLE_CHARS} characters"
            ))
            .with_status());
        }
        // Line breaks and tabs are text; NUL and other controls are not (PostgreSQL
        // refuses NUL).
        if body.chars().count() > MAX_BODY_CHARS
            || body
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(AppError::InvalidInput(format!(
                "the body must have at most {MAX_BODY_CHARS} characters"
            ))
            .with_status());
        }
        crate::backend::posts::create_draft(
            &state.db,
            auth.user_id(),
            title,
            &body,
            state.clock.now(),
        )
        .await
        .map_err(internal)
    }

    pub async fn publish(id: String) -> Result<(), AppError> {
        let (state, auth) = require_auth()?;
        if id.chars().any(char::is_control) {
            return Err(AppError::NotFound.with_status());
        }
        let found =
            crate::backend::posts::publish(&state.db, auth.user_id(), &id, state.clock.now())
                .await
                .map_err(internal)?;
        if found {
            Ok(())
        } else {
            Err(AppError::NotFound.with_status())
        }
    }
}
