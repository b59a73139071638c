//! Blog posts: the public list anyone can read, and each user's private drafts. The
//! server functions check authentication themselves; the UI guard is a convenience.

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

use crate::app_error::AppError;
use wire::Post;

/// The newest published posts, for the home page. Public.
#[server(prefix = "/api", endpoint = "posts/published", input = GetUrl)]
pub async fn published_posts() -> Result<Vec<Post>, AppError> {
    use crate::web_door::{app_state, refused};
    let state = app_state()?;
    backend::posts::list_published(&state.db, 50)
        .await
        .map_err(refused)
}

/// The caller's own posts, drafts included. Requires a valid, unrevoked access token:
/// this is the private data that must never outlive a sign-out.
#[server(prefix = "/api", endpoint = "posts/mine", input = GetUrl)]
pub async fn my_posts() -> Result<Vec<Post>, AppError> {
    use crate::web_door::{refused, require_auth};
    let (state, auth, _) = require_auth()?;
    backend::posts::list_by_author(&state.db, auth.user_id())
        .await
        .map_err(refused)
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
    crate::web_door::land(wire::Landing::Dashboard, Some(wire::Notice::DraftSaved));
    Ok(id)
}

/// Publishes one of the caller's drafts. The JSON door, for scripts.
#[server(prefix = "/api", endpoint = "posts/publish", input = Json)]
pub async fn publish_post(id: String) -> Result<(), AppError> {
    ssr::set_published(id, true).await
}

/// The dashboard's "Publish" button (form-encoded, so it also works as a plain post).
#[server(prefix = "/api/web", endpoint = "posts/publish")]
pub async fn publish_draft(id: String) -> Result<(), AppError> {
    ssr::set_published(id, true).await?;
    crate::web_door::land(wire::Landing::Dashboard, Some(wire::Notice::DraftPublished));
    Ok(())
}

/// Takes one of the caller's published posts off the public list, back to a private
/// draft: publishing is not a one-way door. The JSON door, for scripts.
#[server(prefix = "/api", endpoint = "posts/unpublish", input = Json)]
pub async fn unpublish_post(id: String) -> Result<(), AppError> {
    ssr::set_published(id, false).await
}

/// The dashboard's "Unpublish" button.
#[server(prefix = "/api/web", endpoint = "posts/unpublish")]
pub async fn unpublish_draft(id: String) -> Result<(), AppError> {
    ssr::set_published(id, false).await?;
    crate::web_door::land(
        wire::Landing::Dashboard,
        Some(wire::Notice::PostUnpublished),
    );
    Ok(())
}

/// Changes the title and body of one of the caller's posts. The JSON door, for scripts.
#[server(prefix = "/api", endpoint = "posts/update", input = Json)]
pub async fn update_post(id: String, title: String, body: String) -> Result<(), AppError> {
    ssr::update(id, title, body).await
}

/// The dashboard's edit form (`/dashboard?edit=<id>`).
#[server(prefix = "/api/web", endpoint = "posts/edit")]
pub async fn edit_draft(id: String, title: String, body: String) -> Result<(), AppError> {
    ssr::update(id, title, body).await?;
    crate::web_door::land(wire::Landing::Dashboard, Some(wire::Notice::PostUpdated));
    Ok(())
}

/// Deletes one of the caller's posts for good. The JSON door, for scripts.
#[server(prefix = "/api", endpoint = "posts/delete", input = Json)]
pub async fn delete_post(id: String) -> Result<(), AppError> {
    ssr::delete(id).await
}

/// The dashboard's delete confirmation's "Delete post" button.
#[server(prefix = "/api/web", endpoint = "posts/delete")]
pub async fn delete_draft(id: String) -> Result<(), AppError> {
    ssr::delete(id).await?;
    crate::web_door::land(wire::Landing::Dashboard, Some(wire::Notice::PostDeleted));
    Ok(())
}

/// What the server functions above do, whichever door they were called by. Every change
/// names the caller as the author in its `WHERE`: someone else's post id is a 404 and is
/// never touched.
#[cfg(feature = "ssr")]
mod ssr {
    use crate::app_error::AppError;
    use crate::web_door::{refused, require_auth};
    use wire::{MAX_BODY_CHARS, MAX_TITLE_CHARS};

    /// The title and body as stored, or why they cannot be.
    fn checked<'a>(title: &'a str, body: &'a str) -> Result<(&'a str, &'a str), AppError> {
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
        Ok((title, body))
    }

    /// A post id as given, or a 404 for one that cannot be any post's (PostgreSQL
    /// refuses NUL in text).
    fn checked_id(id: &str) -> Result<&str, AppError> {
        if id.chars().any(char::is_control) {
            Err(AppError::NotFound.with_status())
        } else {
            Ok(id)
        }
    }

    fn found(found: bool) -> Result<(), AppError> {
        if found {
            Ok(())
        } else {
            Err(AppError::NotFound.with_status())
        }
    }

    pub async fn create_draft(title: String, body: String) -> Result<String, AppError> {
        let (state, auth, _) = require_auth()?;
        let (title, body) = checked(&title, &body)?;
        let now = state.clock.now();
        backend::posts::create_draft(&state.db, state.dialect, auth.user_id(), title, body, now)
            .await
            .map_err(refused)?
            // The account ended a moment ago: its session with it.
            .ok_or_else(|| refused(backend::error::ApiError::Unauthenticated))
    }

    pub async fn set_published(id: String, published: bool) -> Result<(), AppError> {
        let (state, auth, _) = require_auth()?;
        let id = checked_id(&id)?;
        let now = state.clock.now();
        found(
            backend::posts::set_published(&state.db, auth.user_id(), id, published, now)
                .await
                .map_err(refused)?,
        )
    }

    pub async fn update(id: String, title: String, body: String) -> Result<(), AppError> {
        let (state, auth, _) = require_auth()?;
        let id = checked_id(&id)?;
        let (title, body) = checked(&title, &body)?;
        let now = state.clock.now();
        found(
            backend::posts::update(&state.db, auth.user_id(), id, title, body, now)
                .await
                .map_err(refused)?,
        )
    }

    pub async fn delete(id: String) -> Result<(), AppError> {
        let (state, auth, _) = require_auth()?;
        let id = checked_id(&id)?;
        found(
            backend::posts::delete(&state.db, auth.user_id(), id)
                .await
                .map_err(refused)?,
        )
    }
}
