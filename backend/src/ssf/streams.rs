//! Receivers and their streams. A receiver is made by the operator (`server ssf
//! add-receiver NAME`) and holds a bearer secret; with it, it manages its one stream
//! through the SSF stream configuration API (`api::signals`).

use sqlx::Row;

use crate::clock::UnixTime;
use crate::db::{new_id, Db};
use crate::secret::Secret;
use crate::tokens::{hash_refresh_token as hash_secret, random_token};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receiver {
    pub id: String,
    /// Also the `aud` of every SET it receives.
    pub name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AddReceiverError {
    #[error("a receiver named {0:?} already exists")]
    Taken(String),
    #[error("a receiver's name is 1 to 100 letters, digits, '-', '_' or '.'")]
    BadName,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Registers a receiver; the secret is returned once and only its hash is kept.
pub async fn add_receiver(db: &Db, name: &str, now: UnixTime) -> Result<Secret, AddReceiverError> {
    let valid = (1..=100).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        return Err(AddReceiverError::BadName);
    }
    let secret = Secret::new(random_token(32));
    let inserted = sqlx::query(
        "INSERT INTO ssf_receivers (id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(new_id())
    .bind(name)
    .bind(hash_secret(&secret))
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(AddReceiverError::Taken(name.to_owned()));
    }
    Ok(secret)
}

pub async fn receiver_by_secret(db: &Db, secret: &Secret) -> sqlx::Result<Option<Receiver>> {
    let row = sqlx::query("SELECT id, name FROM ssf_receivers WHERE secret_hash = $1")
        .bind(hash_secret(secret))
        .fetch_optional(db)
        .await?;
    row.map(|row| {
        Ok(Receiver {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
        })
    })
    .transpose()
}

/// How a stream's events travel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// POSTed to `endpoint_url`, with `authorization` as the `Authorization` header (a
    /// credential to the receiver: stored sealed, see `api::signals::seal_delivery`).
    Push {
        endpoint_url: String,
        authorization: Option<String>,
    },
    /// Fetched by the receiver from the poll endpoint.
    Poll,
}

impl Delivery {
    pub fn method(&self) -> &'static str {
        match self {
            Self::Push { .. } => super::PUSH,
            Self::Poll => super::POLL,
        }
    }
}

/// SSF §8.1.2: events flow (`enabled`), are held (`paused`), or are neither sent nor
/// kept (`disabled`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Enabled,
    Paused,
    Disabled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Paused => "paused",
            Self::Disabled => "disabled",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Enabled, Self::Paused, Self::Disabled]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stream {
    pub id: String,
    pub receiver: Receiver,
    pub delivery: Delivery,
    pub events_requested: Vec<String>,
    pub description: Option<String>,
    pub status: Status,
    pub status_reason: Option<String>,
}

impl Stream {
    /// What the stream is sent: what it asked for, of what is supported.
    pub fn events_delivered(&self) -> Vec<&'static str> {
        super::SUPPORTED
            .into_iter()
            .filter(|t| self.events_requested.iter().any(|r| r == t))
            .collect()
    }
}

const STREAM_COLUMNS: &str = "s.id, s.delivery_method, s.endpoint_url, s.authorization_header, \
     s.events_requested, s.description, s.status, s.status_reason, r.id AS receiver_id, r.name";

fn stream_of(row: &sqlx::any::AnyRow) -> sqlx::Result<Stream> {
    let method: String = row.try_get("delivery_method")?;
    let delivery = if method == super::PUSH {
        Delivery::Push {
            endpoint_url: row
                .try_get::<Option<String>, _>("endpoint_url")?
                .unwrap_or_default(),
            authorization: row.try_get("authorization_header")?,
        }
    } else {
        Delivery::Poll
    };
    let events: String = row.try_get("events_requested")?;
    let status: String = row.try_get("status")?;
    Ok(Stream {
        id: row.try_get("id")?,
        receiver: Receiver {
            id: row.try_get("receiver_id")?,
            name: row.try_get("name")?,
        },
        delivery,
        events_requested: serde_json::from_str(&events).unwrap_or_default(),
        description: row.try_get("description")?,
        status: Status::parse(&status).unwrap_or(Status::Disabled),
        status_reason: row.try_get("status_reason")?,
    })
}

/// The one stream whose `column` (`s.id` or `s.receiver_id`) is `value`.
async fn one_where(db: &Db, column: &'static str, value: &str) -> sqlx::Result<Option<Stream>> {
    let row = sqlx::query(&format!(
        "SELECT {STREAM_COLUMNS} FROM ssf_streams s JOIN ssf_receivers r ON r.id = s.receiver_id
         WHERE {column} = $1"
    ))
    .bind(value)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(stream_of).transpose()
}

pub async fn of_receiver(db: &Db, receiver_id: &str) -> sqlx::Result<Option<Stream>> {
    one_where(db, "s.receiver_id", receiver_id).await
}

pub async fn by_id(db: &Db, stream_id: &str) -> sqlx::Result<Option<Stream>> {
    one_where(db, "s.id", stream_id).await
}

/// The enabled push streams that have something to deliver and that no worker holds.
pub async fn push_streams_with_events(db: &Db, now: UnixTime) -> sqlx::Result<Vec<Stream>> {
    let rows = sqlx::query(&format!(
        "SELECT {STREAM_COLUMNS} FROM ssf_streams s JOIN ssf_receivers r ON r.id = s.receiver_id
         WHERE s.delivery_method = $1 AND s.status = 'enabled' AND s.lease_until <= $2
           AND EXISTS (SELECT 1 FROM ssf_outbox o WHERE o.stream_id = s.id AND o.next_attempt_at <= $2)"
    ))
    .bind(super::PUSH)
    .bind(now)
    .fetch_all(db)
    .await?;
    rows.iter().map(stream_of).collect()
}

/// Creates the receiver's stream `id`; `None` if the receiver already has one.
pub async fn create(
    db: &Db,
    id: &str,
    receiver: &Receiver,
    delivery: &Delivery,
    events_requested: &[String],
    description: Option<&str>,
    now: UnixTime,
) -> sqlx::Result<Option<Stream>> {
    let (endpoint, authorization) = match delivery {
        Delivery::Push {
            endpoint_url,
            authorization,
        } => (Some(endpoint_url.as_str()), authorization.as_deref()),
        Delivery::Poll => (None, None),
    };
    let inserted = sqlx::query(
        "INSERT INTO ssf_streams (id, receiver_id, delivery_method, endpoint_url, authorization_header,
                                  events_requested, description, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'enabled', $8)
         ON CONFLICT (receiver_id) DO NOTHING",
    )
    .bind(id)
    .bind(&receiver.id)
    .bind(delivery.method())
    .bind(endpoint)
    .bind(authorization)
    .bind(serde_json::to_string(events_requested).unwrap_or_else(|_| "[]".into()))
    .bind(description)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    by_id(db, id).await
}

/// Replaces what a PATCH changed (the caller merged it into `stream`).
pub async fn update(db: &Db, stream: &Stream) -> sqlx::Result<()> {
    let (endpoint, authorization) = match &stream.delivery {
        Delivery::Push {
            endpoint_url,
            authorization,
        } => (Some(endpoint_url.as_str()), authorization.as_deref()),
        Delivery::Poll => (None, None),
    };
    sqlx::query(
        "UPDATE ssf_streams SET delivery_method = $1, endpoint_url = $2, authorization_header = $3,
                events_requested = $4, description = $5
         WHERE id = $6",
    )
    .bind(stream.delivery.method())
    .bind(endpoint)
    .bind(authorization)
    .bind(serde_json::to_string(&stream.events_requested).unwrap_or_else(|_| "[]".into()))
    .bind(stream.description.as_deref())
    .bind(&stream.id)
    .execute(db)
    .await?;
    Ok(())
}

/// Sets the status; a disabled stream keeps nothing, so its waiting events go.
pub async fn set_status(
    db: &Db,
    stream_id: &str,
    status: Status,
    reason: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE ssf_streams SET status = $1, status_reason = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(reason)
        .bind(stream_id)
        .execute(db)
        .await?;
    if status == Status::Disabled {
        sqlx::query("DELETE FROM ssf_outbox WHERE stream_id = $1")
            .bind(stream_id)
            .execute(db)
            .await?;
    }
    Ok(())
}

/// Deletes the stream; its waiting events go with it (`ON DELETE CASCADE`).
pub async fn delete(db: &Db, stream_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM ssf_streams WHERE id = $1")
        .bind(stream_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Holds a push stream for one worker (`owner`, unique to one delivery run), so its events
/// leave one at a time, in order. `false`: another worker holds it.
pub async fn lease(
    db: &Db,
    stream_id: &str,
    owner: &str,
    now: UnixTime,
    until: UnixTime,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE ssf_streams SET lease_until = $1, lease_owner = $2 WHERE id = $3 AND lease_until <= $4",
    )
    .bind(until)
    .bind(owner)
    .bind(stream_id)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Extends the lease, if `owner` still holds it (`false`: it ran out and was taken).
pub async fn renew(db: &Db, stream_id: &str, owner: &str, until: UnixTime) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("UPDATE ssf_streams SET lease_until = $1 WHERE id = $2 AND lease_owner = $3")
            .bind(until)
            .bind(stream_id)
            .bind(owner)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Gives the stream back, unless another worker holds it by now.
pub async fn release(db: &Db, stream_id: &str, owner: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE ssf_streams SET lease_until = 0, lease_owner = NULL WHERE id = $1 AND lease_owner = $2",
    )
    .bind(stream_id)
    .bind(owner)
    .execute(db)
    .await?;
    Ok(())
}
