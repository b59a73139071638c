//! Whether a presented token is usable right now, without using it: what RFC 7662
//! introspection reports to resource servers. An access token is judged exactly as a
//! request bearing it would be; a refresh token as the refresh grant would judge it,
//! except that nothing is rotated.

use sqlx::Row;

use super::clock::UnixTime;
use super::db::Db;
use super::secret::Secret;
use super::state::AppState;
use super::tokens::hash_refresh_token;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    AccessToken,
    RefreshToken,
}

/// A token that would be accepted now, and what it stands for.
#[derive(Debug)]
pub struct ActiveToken {
    pub kind: TokenKind,
    pub user_id: String,
    pub session_id: String,
    pub issued_at: UnixTime,
    /// When it stops working unless something ends it earlier (for a refresh token, the
    /// earliest of its own expiry, its session's end and its idle deadline).
    pub expires_at: UnixTime,
    /// The access token's `jti`.
    pub jti: Option<String>,
}

pub async fn active_token(state: &AppState, token: &str) -> sqlx::Result<Option<ActiveToken>> {
    let now = state.clock.now();
    if let Ok(claims) = state.keys.verify(token, now) {
        if !state.revocations.allows(&claims) {
            return Ok(None);
        }
        return Ok(Some(ActiveToken {
            kind: TokenKind::AccessToken,
            user_id: claims.sub,
            session_id: claims.sid,
            issued_at: claims.iat,
            expires_at: claims.exp,
            jti: Some(claims.jti),
        }));
    }
    active_refresh_token(&state.db, &Secret::new(token), now).await
}

/// A refresh token that is the current one of a live session (a rotated one is not: the
/// refresh grant would treat it as theft).
async fn active_refresh_token(
    db: &Db,
    presented: &Secret,
    now: UnixTime,
) -> sqlx::Result<Option<ActiveToken>> {
    let row = sqlx::query(
        "SELECT rt.session_id, rt.issued_at, rt.expires_at, s.user_id,
                s.expires_at AS session_expires_at, s.idle_expires_at
         FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
         WHERE rt.token_hash = $1 AND rt.rotated_at IS NULL AND s.revoked_at IS NULL",
    )
    .bind(hash_refresh_token(presented))
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let expires_at = [
        row.try_get::<i64, _>("expires_at")?,
        row.try_get("session_expires_at")?,
        row.try_get("idle_expires_at")?,
    ]
    .into_iter()
    .min()
    .unwrap_or(now);
    if expires_at <= now {
        return Ok(None);
    }
    Ok(Some(ActiveToken {
        kind: TokenKind::RefreshToken,
        user_id: row.try_get("user_id")?,
        session_id: row.try_get("session_id")?,
        issued_at: row.try_get("issued_at")?,
        expires_at,
        jti: None,
    }))
}
