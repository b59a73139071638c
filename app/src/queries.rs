//! The queries of the query cache (`query_client`): every server read is one of these. Keys of
//! private data carry the user id, so one user's entries can never answer another's
//! query, and sign-out clears the whole cache besides.

use crate::account::{my_security_activity, my_session, my_sessions};
use crate::app_error::AppError;
use crate::auth::client::signed_in_call;
use crate::posts::{my_posts, published_posts};
use wire::Post;
use wire::{ActivityPage, SessionDetails, SignedInDevices};

/// The public posts. Not user data, but cached and cleared the same way.
pub async fn published(_: ()) -> Result<Vec<Post>, AppError> {
    published_posts().await
}

/// The posts of the signed-in user, keyed by their id. No user, no request.
pub async fn posts_of(user_id: Option<String>) -> Result<Vec<Post>, AppError> {
    if user_id.is_none() {
        return Ok(Vec::new());
    }
    signed_in_call(my_posts).await
}

/// The signed-in user's devices, keyed by their id.
pub async fn sessions_of(user_id: Option<String>) -> Result<SignedInDevices, AppError> {
    if user_id.is_none() {
        return Ok(SignedInDevices {
            as_of: 0,
            sessions: Vec::new(),
            recently_ended: Vec::new(),
        });
    }
    signed_in_call(my_sessions).await
}

/// One of the signed-in user's sessions in full, keyed by the user's id and the session's.
pub async fn session_of(
    (user_id, session_id): (Option<String>, String),
) -> Result<SessionDetails, AppError> {
    if user_id.is_none() {
        return Err(AppError::NotFound);
    }
    signed_in_call(|| my_session(session_id.clone())).await
}

/// The signed-in user's `shown` most recent security events, keyed by their id and how
/// many are shown.
pub async fn activity_of(
    (user_id, shown): (Option<String>, u32),
) -> Result<ActivityPage, AppError> {
    if user_id.is_none() {
        return Ok(ActivityPage {
            entries: Vec::new(),
            more: false,
        });
    }
    signed_in_call(move || my_security_activity(Some(shown))).await
}
