//! The name shown with a user's public posts. Never the email address: the public pages
//! must not reveal who has an account here, nor how to reach them.

use super::error::{ApiError, ApiResult};

/// The display name typed at sign-up, checked by the rules the browser checks it with too:
/// `None` when left blank (the derived name is shown instead), else the trimmed name.
pub fn validate(raw: Option<&str>) -> ApiResult<Option<String>> {
    let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    match wire::rules::display_name_problem(name) {
        Some(problem) => Err(ApiError::InvalidInput(problem)),
        None => Ok(Some(name.to_owned())),
    }
}

/// The name of a user who chose none: "Member" and the last six characters of their id.
/// Those are random in a UUID v7 (its first ones are the creation time), so the name says
/// nothing about the person, stays the same for them, and rarely repeats.
pub fn derived(user_id: &str) -> String {
    let chars: Vec<char> = user_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let tail: String = chars[chars.len().saturating_sub(6)..].iter().collect();
    format!("Member {}", tail.to_lowercase())
}

/// The name to show: the chosen one, else the derived one.
pub fn shown(chosen: Option<String>, user_id: &str) -> String {
    chosen
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| derived(user_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_names_are_none_and_good_ones_are_trimmed() {
        assert_eq!(validate(None).unwrap(), None);
        assert_eq!(validate(Some("   ")).unwrap(), None);
        assert_eq!(
            validate(Some("  Grace Hopper ")).unwrap().as_deref(),
            Some("Grace Hopper")
        );
        assert_eq!(validate(Some("Zoë 🚀")).unwrap().as_deref(), Some("Zoë 🚀"));
    }

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        use wire::MAX_DISPLAY_NAME_CHARS;
        let long = "x".repeat(MAX_DISPLAY_NAME_CHARS + 1);
        for (bad, reason) in [
            (long.as_str(), "at most"),
            ("a\u{0}b", "control"),
            ("line\nbreak", "control"),
            ("evil\u{202E}txt", "invisible"),
            ("grace@example.com", "@"),
        ] {
            let err = validate(Some(bad)).unwrap_err().to_string();
            assert!(err.contains(reason), "{bad:?}: {err}");
        }
    }

    #[test]
    fn derived_names_come_from_the_random_end_of_the_id() {
        assert_eq!(
            derived("0193a1b2-c3d4-7e5f-8a6b-1c2d3e3F2A9C"),
            "Member 3f2a9c"
        );
        assert_eq!(shown(None, "0193-abcdef"), "Member abcdef");
        assert_eq!(shown(Some(" ".into()), "0193-abcdef"), "Member abcdef");
        assert_eq!(shown(Some("Grace".into()), "0193-abcdef"), "Grace");
    }
}
