//! Mail that is never lost and never sent twice by two processes.
//!
//! A mail is written to the `outbox` table in the same transaction as the event that
//! causes it (`outbox::enqueue`), so it exists exactly when the event does. A worker per
//! process (`worker`) claims due rows one at a time for a lease, sends each through the
//! configured transport (`transport`: SMTP, or `.eml` files under `data/mail/` when no
//! `SMTP_URL` is set), and marks it sent; a failure is retried with back-off, and a claim
//! whose process died runs out and is taken again. What the mails say is in `messages`;
//! the single-use links they carry are `links`.

pub mod links;
pub mod messages;
pub mod outbox;
pub mod transport;
pub mod worker;

pub use outbox::Mail;

use sqlx::AnyConnection;

use crate::clock::UnixTime;
use crate::state::AppState;

/// In the caller's transaction: a mail about the account's security, with a fresh "Not me?
/// Sign out everywhere" link. Sent once the transaction commits (`AppState::mail_committed`
/// wakes the worker; the next poll finds it otherwise).
pub async fn security_notice(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    now: UnixTime,
    compose: impl FnOnce(String) -> messages::Notice,
) -> sqlx::Result<()> {
    let token = links::create(conn, user_id, links::Purpose::NotMe, now).await?;
    let link = format!(
        "{}/account/not-me?token={}",
        state.config.app_origin,
        token.expose()
    );
    outbox::enqueue(conn, &compose(link).mail(), now).await
}
