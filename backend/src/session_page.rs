//! One page of the devices list: how many, and where the previous page ended. The cursor
//! is the last row's sort key (last active, created, id), opaque to the client, so a page
//! is an index range, however many sessions the user has.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::clock::UnixTime;
use super::error::ApiError;

/// The largest page a client may ask for.
pub const MAX_PAGE: i64 = 200;

/// Where a page starts: strictly after this sort key, newest activity first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub last_seen_at: UnixTime,
    pub created_at: UnixTime,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let key = format!("{}.{}.{}", self.last_seen_at, self.created_at, self.id);
        URL_SAFE_NO_PAD.encode(key)
    }

    pub fn decode(raw: &str) -> Option<Self> {
        let key = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
        let mut parts = key.splitn(3, '.');
        let last_seen_at = parts.next()?.parse().ok()?;
        let created_at = parts.next()?.parse().ok()?;
        let id = parts.next()?;
        // Ids are ours (UUIDs); anything else (a NUL above all, which PostgreSQL refuses)
        // is not a cursor we made.
        (!id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')).then(|| {
            Self {
                last_seen_at,
                created_at,
                id: id.to_owned(),
            }
        })
    }
}

/// A page request: at most `limit` sessions after `after`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub after: Option<Cursor>,
}

impl Page {
    /// Reads `?limit=&cursor=`. No `limit` (and no cursor) is the whole list, as the API
    /// always answered; a cursor needs a limit.
    pub fn from_query(limit: Option<&str>, cursor: Option<&str>) -> Result<Option<Self>, ApiError> {
        let Some(limit) = limit else {
            return match cursor {
                None => Ok(None),
                Some(_) => Err(ApiError::InvalidInput("a cursor needs a limit".into())),
            };
        };
        let limit = limit
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=MAX_PAGE).contains(l))
            .ok_or_else(|| {
                ApiError::InvalidInput(format!("limit must be a number from 1 to {MAX_PAGE}"))
            })?;
        let after = cursor
            .map(|raw| {
                Cursor::decode(raw)
                    .ok_or_else(|| ApiError::InvalidInput("the cursor is not valid".into()))
            })
            .transpose()?;
        Ok(Some(Self { limit, after }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let cursor = Cursor {
            last_seen_at: 1_700_000_000,
            created_at: 1_699_999_000,
            id: "0193a6f2-7d6e-7c35-9b1e-2f4f8e0c1a2b".into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        for bad in ["", "not-a-cursor", &URL_SAFE_NO_PAD.encode("1.2.a\0b")] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(Page::from_query(None, None).unwrap(), None);
        assert_eq!(
            Page::from_query(Some("50"), None).unwrap().unwrap().limit,
            50
        );
        for bad in ["0", "-1", "201", "x", ""] {
            assert!(Page::from_query(Some(bad), None).is_err(), "{bad}");
        }
        assert!(Page::from_query(None, Some("abc")).is_err());
    }
}
