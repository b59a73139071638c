//! Readable device labels ("Chrome on Linux") from User-Agent strings, with the woothee
//! parser rather than hand-written patterns.

use std::sync::OnceLock;

use woothee::parser::Parser;

const UNKNOWN: &str = "UNKNOWN";

pub fn device_label(user_agent: Option<&str>) -> String {
    static PARSER: OnceLock<Parser> = OnceLock::new();
    let Some(ua) = user_agent.filter(|ua| !ua.trim().is_empty()) else {
        return "Unknown device".into();
    };
    let parsed = PARSER.get_or_init(Parser::new).parse(ua);
    // Tools and bots ("HTTP Library" for curl) say more about themselves in their own
    // product token.
    let (name, os) = match parsed {
        Some(p) if !matches!(p.category, "crawler" | "misc") => (p.name, p.os),
        _ => (UNKNOWN, UNKNOWN),
    };
    let os = current_os_name(os);
    match (name != UNKNOWN, os != UNKNOWN) {
        (true, true) => format!("{name} on {os}"),
        (true, false) => name.to_owned(),
        (false, true) => format!("Unknown browser on {os}"),
        // Scripts and API clients: show what they call themselves, briefly.
        (false, false) => ua
            .split_whitespace()
            .next()
            .unwrap_or("Unknown device")
            .chars()
            .take(40)
            .collect(),
    }
}

/// The name the system goes by today: woothee keeps old ones ("Mac OSX"), and "Windows 10"
/// is every Windows since (Windows 11 sends the same version in its User-Agent).
fn current_os_name(os: &str) -> &str {
    match os {
        "Mac OSX" | "Mac OS" | "Mac OS Classic" => "macOS",
        "Windows 10" => "Windows",
        other => other,
    }
}

/// The user's active sessions as their owner sees them, most recently active first: all,
/// or one `page` and the cursor of the next page if there is one.
pub async fn session_views(
    db: &super::db::Db,
    user_id: &str,
    current_session: &str,
    now: super::clock::UnixTime,
    page: Option<&super::session_page::Page>,
) -> sqlx::Result<(Vec<wire::SessionView>, Option<super::session_page::Cursor>)> {
    // One more than asked: whether it exists says whether there is a next page.
    let probe = page.map(|p| super::session_page::Page {
        limit: p.limit + 1,
        after: p.after.clone(),
    });
    let mut active = super::sessions::list_active(db, user_id, now, probe.as_ref()).await?;
    let next = match page {
        Some(p) if active.len() as i64 > p.limit => {
            active.truncate(p.limit as usize);
            active.last().map(super::sessions::ActiveSession::cursor)
        }
        _ => None,
    };
    let views = active
        .into_iter()
        .map(|s| wire::SessionView {
            current: s.id == current_session,
            device: device_label(s.user_agent.as_deref()),
            id: s.id,
            location: s.ip.as_deref().and_then(super::geo::country_of),
            ip: s.ip,
            created_at: s.created_at,
            last_active_at: s.last_seen_at,
        })
        .collect();
    Ok((views, next))
}

/// The devices list of the profile page: the device asking first (the one a person looks
/// for), then the others by last activity, with the time they were read.
pub async fn signed_in_devices(
    db: &super::db::Db,
    user_id: &str,
    current_session: &str,
    now: super::clock::UnixTime,
) -> sqlx::Result<wire::SignedInDevices> {
    let (sessions, _) = session_views(db, user_id, current_session, now, None).await?;
    let since = now - super::purge::ENDED_SESSION_RETENTION_SECS;
    let ended =
        super::sessions::list_recently_ended(db, user_id, now, since, wire::RECENTLY_ENDED_MAX)
            .await?;
    Ok(wire::SignedInDevices {
        as_of: now,
        sessions: current_first(sessions),
        recently_ended: ended
            .into_iter()
            .map(|s| wire::EndedSessionView {
                device: device_label(s.user_agent.as_deref()),
                id: s.id,
                location: s.ip.as_deref().and_then(super::geo::country_of),
                ip: s.ip,
                created_at: s.created_at,
                ended_at: s.end.at(),
                ended_by: s.end.ended_by(),
            })
            .collect(),
    })
}

/// One of the user's sessions in full, for its details page: live, or ended within the
/// last `RECENTLY_ENDED_DAYS` days. `None` for anything else, someone else's included.
pub async fn session_details(
    db: &super::db::Db,
    user_id: &str,
    current_session: &str,
    session_id: &str,
    now: super::clock::UnixTime,
) -> sqlx::Result<Option<wire::SessionDetails>> {
    let Some(s) = super::sessions::own_session(db, user_id, session_id).await? else {
        return Ok(None);
    };
    let ended = super::sessions::end_of(s.revoked_at, s.revoked_reason, s.runs_out_at, now)
        .map(|end| (end.at(), end.ended_by()));
    if ended
        .as_ref()
        .is_some_and(|(at, _)| *at < now - super::purge::ENDED_SESSION_RETENTION_SECS)
    {
        return Ok(None);
    }
    let (ended_at, ended_by) = ended.unzip();
    Ok(Some(wire::SessionDetails {
        device: device_label(s.user_agent.as_deref()),
        location: s.ip.as_deref().and_then(super::geo::country_of),
        current: s.id == current_session,
        id: s.id,
        user_agent: s.user_agent,
        ip: s.ip,
        created_at: s.created_at,
        last_active_at: s.last_seen_at,
        signed_in_with: s.client_kind,
        ended_at,
        ended_by,
        as_of: now,
    }))
}

/// The current session first; the others keep their order (newest activity first).
fn current_first(mut sessions: Vec<wire::SessionView>) -> Vec<wire::SessionView> {
    sessions.sort_by_key(|s| !s.current);
    sessions
}

/// The readable device of one of the user's own active sessions; `None` for another
/// user's session or one that has ended.
pub async fn label_of_own_session(
    db: &super::db::Db,
    user_id: &str,
    session_id: &str,
) -> sqlx::Result<Option<String>> {
    let agent = super::sessions::user_agent_of_own(db, user_id, session_id).await?;
    Ok(agent.map(|ua| device_label(ua.as_deref())))
}

/// How many events the activity list shows when not told.
pub const ACTIVITY_LIMIT: i64 = wire::ACTIVITY_PAGE as i64;

/// `?limit=` of the activity, as text so that a bad value gets the API's own 400.
pub fn activity_limit(raw: Option<&str>) -> Result<i64, super::error::ApiError> {
    let Some(raw) = raw else {
        return Ok(ACTIVITY_LIMIT);
    };
    let max = i64::from(wire::ACTIVITY_MAX);
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|l| (1..=max).contains(l))
        .ok_or_else(|| {
            super::error::ApiError::InvalidInput(format!("limit must be a number from 1 to {max}"))
        })
}

/// The user's `limit` most recent security events, newest first, with readable devices.
pub async fn activity_entries(
    db: &super::db::Db,
    user_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<wire::ActivityEntry>> {
    let rows = super::audit::recent_for_user(db, user_id, limit).await?;
    Ok(rows
        .into_iter()
        .map(|r| wire::ActivityEntry {
            device: device_label(r.user_agent.as_deref()),
            ended_device: r
                .ended_user_agent
                .map(|agent| device_label(agent.as_deref())),
            kind: r.kind,
            at: r.at,
            ip: r.ip,
        })
        .collect())
}

/// The first `shown` events (at most `ACTIVITY_MAX`), and whether older ones exist.
pub async fn activity_page(
    db: &super::db::Db,
    user_id: &str,
    shown: u32,
) -> sqlx::Result<wire::ActivityPage> {
    let shown = i64::from(shown.clamp(1, wire::ACTIVITY_MAX));
    // One more than shown: whether it exists says whether there is more.
    let mut entries = activity_entries(db, user_id, shown + 1).await?;
    let more = entries.len() as i64 > shown;
    entries.truncate(shown as usize);
    Ok(wire::ActivityPage { entries, more })
}

#[cfg(test)]
mod tests {
    use super::{activity_limit, current_first, device_label};
    use wire::SessionView;

    #[test]
    fn the_current_device_comes_first_and_the_others_keep_their_order() {
        let session = |id: &str, current| SessionView {
            id: id.into(),
            device: "Chrome on Linux".into(),
            ip: None,
            location: None,
            created_at: 0,
            last_active_at: 0,
            current,
        };
        let sorted = current_first(vec![
            session("a", false),
            session("b", false),
            session("me", true),
            session("c", false),
        ]);
        let ids: Vec<&str> = sorted.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["me", "a", "b", "c"]);
    }

    #[test]
    fn activity_limits_are_bounded() {
        assert_eq!(activity_limit(None).unwrap(), 20);
        assert_eq!(activity_limit(Some("200")).unwrap(), 200);
        for bad in ["0", "-3", "201", "x", ""] {
            assert!(activity_limit(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn real_user_agents_get_readable_labels() {
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Chrome on Linux"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0", "Firefox on macOS"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0", "Edge on Windows"),
            ("curl/8.5.0", "curl/8.5.0"),
        ];
        for (ua, label) in cases {
            assert_eq!(device_label(Some(ua)), label, "{ua}");
        }
        assert_eq!(device_label(None), "Unknown device");
        assert_eq!(device_label(Some("  ")), "Unknown device");
    }
}
