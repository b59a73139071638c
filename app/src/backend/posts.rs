//! The demo blog's storage: public posts and each user's private drafts.

use sqlx::Row;

use super::clock::UnixTime;
use super::db::{new_id, Db};
use crate::wire::Post;

fn post_from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<Post> {
    Ok(Post {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        published: row.try_get::<i64, _>("published")? != 0,
        created_at: row.try_get("created_at")?,
        author_email: row.try_get("email")?,
    })
}

const SELECT_POSTS: &str = "SELECT p.id, p.title, p.body, p.published, p.created_at, u.email
     FROM posts p JOIN users u ON u.id = p.author_id";

pub async fn list_published(db: &Db, limit: i64) -> sqlx::Result<Vec<Post>> {
    sqlx::query(&format!(
        "{SELECT_POSTS} WHERE p.published = 1 ORDER BY p.created_at DESC, p.id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db)
    .await?
    .iter()
    .map(post_from_row)
    .collect()
}

/// Every post of one author, drafts and published alike, newest first.
pub async fn list_by_author(db: &Db, author_id: &str) -> sqlx::Result<Vec<Post>> {
    sqlx::query(&format!(
        "{SELECT_POSTS} WHERE p.author_id = $1 ORDER BY p.created_at DESC, p.id DESC"
    ))
    .bind(author_id)
    .fetch_all(db)
    .await?
    .iter()
    .map(post_from_row)
    .collect()
}

pub async fn create_draft(
    db: &Db,
    author_id: &str,
    title: &str,
    body: &str,
    now: UnixTime,
) -> sqlx::Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO posts (id, author_id, title, body, published, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 0, $5, $5)",
    )
    .bind(&id)
    .bind(author_id)
    .bind(title)
    .bind(body)
    .bind(now)
    .execute(db)
    .await?;
    Ok(id)
}

/// Publishes one of the author's own drafts. Returns false if there is no such draft.
pub async fn publish(db: &Db, author_id: &str, post_id: &str, now: UnixTime) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE posts SET published = 1, updated_at = $1 WHERE id = $2 AND author_id = $3",
    )
    .bind(now)
    .bind(post_id)
    .bind(author_id)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}
