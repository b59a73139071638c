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

/// The user's active sessions as their owner sees them, most recently active first: all,
/// or one `page` and the cursor of the next page if there is one.
pub async fn session_views(
    db: &super::db::Db,
    user_id: &str,
    current_session: &str,
    now: super::clock::UnixTime,
    page: Option<&super::session_page::Page>,
) -> sqlx::Result<(
    Vec<crate::wire::SessionView>,
    Option<super::session_page::Cursor>,
)> {
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
        .map(|s| crate::wire::SessionView {
            current: s.id == current_session,
            device: device_label(s.user_agent.as_deref()),
            id: s.id,
            ip: s.ip,
            created_at: s.created_at,
            last_active_at: s.last_seen_at,
        })
        .collect();
    Ok((views, next))
}

/// How many events the activity list shows.
pub const ACTIVITY_LIMIT: i64 = 20;

/// The user's recent security events, newest first, with readable devices.
pub async fn activity_entries(
    db: &super::db::Db,
    user_id: &str,
) -> sqlx::Result<Vec<crate::wire::ActivityEntry>> {
    let rows = super::audit::recent_for_user(db, user_id, ACTIVITY_LIMIT).await?;
    Ok(rows
        .into_iter()
        .map(|r| crate::wire::ActivityEntry {
            device: device_label(r.user_agent.as_deref()),
            kind: r.kind,
            at: r.at,
            ip: r.ip,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::device_label;

    #[test]
    fn real_user_agents_get_readable_labels() {
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Chrome on Linux"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0", "Firefox on Mac OSX"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0", "Edge on Windows 10"),
            ("curl/8.5.0", "curl/8.5.0"),
        ];
        for (ua, label) in cases {
            assert_eq!(device_label(Some(ua)), label, "{ua}");
        }
        assert_eq!(device_label(None), "Unknown device");
        assert_eq!(device_label(Some("  ")), "Unknown device");
    }
}
