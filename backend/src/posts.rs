//! The demo blog's storage: public posts and each user's private drafts.

use sqlx::Row;

use super::clock::UnixTime;
use super::db::{new_id, Db, Dialect};
use super::display_name;
use super::users::{self, RowLock};
use wire::Post;

fn post_from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<Post> {
    let author_id: String = row.try_get("author_id")?;
    Ok(Post {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        published: row.try_get::<i64, _>("published")? != 0,
        created_at: row.try_get("created_at")?,
        author_name: display_name::shown(row.try_get("display_name")?, &author_id),
    })
}

/// The author's display name, never their email: these rows go to the public.
const SELECT_POSTS: &str =
    "SELECT p.id, p.title, p.body, p.published, p.created_at, p.author_id, u.display_name
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

/// Saves a new private draft; `None` if the author's account is no longer active (deleted
/// or disabled at this moment). The author's row is locked (shared) first, so a draft
/// cannot slip in beside an account deletion that is removing the drafts.
pub async fn create_draft(
    db: &Db,
    dialect: Dialect,
    author_id: &str,
    title: &str,
    body: &str,
    now: UnixTime,
) -> sqlx::Result<Option<String>> {
    let mut tx = super::db::begin_write(db, dialect).await?;
    let author = users::lock(&mut tx, dialect, author_id, RowLock::Shared).await?;
    if !author.is_some_and(|a| a.is_active()) {
        return Ok(None);
    }
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
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Publishes one of the author's own posts, or takes it back to a private draft.
/// Returns false if the author has no such post (someone else's is left untouched).
pub async fn set_published(
    db: &Db,
    author_id: &str,
    post_id: &str,
    published: bool,
    now: UnixTime,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE posts SET published = $1, updated_at = $2 WHERE id = $3 AND author_id = $4",
    )
    .bind(i64::from(published))
    .bind(now)
    .bind(post_id)
    .bind(author_id)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Changes the title and body of one of the author's own posts. Returns false if the
/// author has no such post.
pub async fn update(
    db: &Db,
    author_id: &str,
    post_id: &str,
    title: &str,
    body: &str,
    now: UnixTime,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE posts SET title = $1, body = $2, updated_at = $3 WHERE id = $4 AND author_id = $5",
    )
    .bind(title)
    .bind(body)
    .bind(now)
    .bind(post_id)
    .bind(author_id)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes one of the author's own posts for good. Returns false if the author has no
/// such post.
pub async fn delete(db: &Db, author_id: &str, post_id: &str) -> sqlx::Result<bool> {
    let result = sqlx::query("DELETE FROM posts WHERE id = $1 AND author_id = $2")
        .bind(post_id)
        .bind(author_id)
        .execute(db)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// A deleted account's posts, in its deletion's transaction: the drafts go, and the
/// published posts too unless the owner chose to leave them (signed "Former member").
/// Returns how many were deleted.
pub async fn delete_of_deleted_account(
    conn: &mut sqlx::AnyConnection,
    author_id: &str,
    keep_published: bool,
) -> sqlx::Result<u64> {
    let sql = if keep_published {
        "DELETE FROM posts WHERE author_id = $1 AND published = 0"
    } else {
        "DELETE FROM posts WHERE author_id = $1"
    };
    Ok(sqlx::query(sql)
        .bind(author_id)
        .execute(conn)
        .await?
        .rows_affected())
}
