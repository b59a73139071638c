//! What the server accepts as an email address, a new password and a display name. Shared with the
//! browser so that a form can say what is wrong beside the field before anything is sent;
//! the server checks again with the very same functions, so the two can never disagree.

pub const MIN_PASSWORD_CHARS: usize = 8;
/// Argon2 cost grows with input; a cap keeps one request from being a denial of service.
pub const MAX_PASSWORD_CHARS: usize = 128;
pub use crate::MAX_DISPLAY_NAME_CHARS;

/// A deliberately small check: one `@`, something on each side, a dot in the domain, no
/// spaces, at most 254 characters. Whether the address works is not ours to judge.
pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Emails are compared case-insensitively: stored trimmed and lower-cased.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// What is wrong with an email address as typed (surrounding spaces and case do not
/// count), in words for the person typing it.
pub fn email_problem(typed: &str) -> Option<&'static str> {
    let email = normalize_email(typed);
    if email.is_empty() {
        Some("enter your email address")
    } else if !is_plausible_email(&email) {
        Some("enter a valid email address, like name@example.com")
    } else {
        None
    }
}

/// What is wrong with a new password, in words for the person choosing it.
pub fn new_password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Some(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        ))
    } else if chars > MAX_PASSWORD_CHARS {
        Some(format!(
            "the password must have at most {MAX_PASSWORD_CHARS} characters"
        ))
    } else {
        None
    }
}

/// Characters that show nothing, or reorder the text around them: zero-width spaces and
/// joiners, bidirectional marks, overrides and isolates, the byte-order mark, the soft
/// hyphen, and the blank "letters" (Hangul and Braille fillers) that `trim` keeps. A public
/// name made of them could look empty, or pass for someone else's.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// What is wrong with a display name as typed (already trimmed; blank means "none chosen",
/// which is fine), in words for the person choosing it.
pub fn display_name_problem(name: &str) -> Option<String> {
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Some(format!(
            "the display name must have at most {MAX_DISPLAY_NAME_CHARS} characters"
        ));
    }
    if name.chars().any(|c| c.is_control() || is_invisible(c)) {
        return Some("the display name may not contain control or invisible characters".into());
    }
    // Autofill or habit can put an address here; it would then be on every public post.
    // The full-width and small at signs read as an @ too.
    if name.contains(['@', '\u{FF20}', '\u{FE6B}']) {
        return Some(
            "the display name is public, so it may not contain @ (no email addresses)".into(),
        );
    }
    if !name.is_empty() && !name.chars().any(char::is_alphanumeric) {
        return Some("the display name needs at least one letter or digit".into());
    }
    if looks_derived(name) {
        return Some("names like “Member 3f2a9c” are given to members who choose none".into());
    }
    None
}

/// "Member" and six letters or digits: the shape of a name given to a member who chose
/// none (`backend::display_name::derived`), which nobody may take for themselves.
fn looks_derived(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.strip_prefix("member ").is_some_and(|tail| {
        tail.chars().count() == 6 && tail.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_emails() {
        for ok in ["a@b.co", "first.last+tag@example.org"] {
            assert!(is_plausible_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "@b.co",
            "a@",
            "a@b",
            "a@@b.co",
            "a b@c.de",
            "a@.co",
            "a@b.co.",
            &format!("{}@b.co", "x".repeat(260)),
        ] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }

    #[test]
    fn typed_emails_are_judged_as_the_server_stores_them() {
        assert_eq!(email_problem("  Grace@Example.COM "), None);
        assert_eq!(email_problem("   "), Some("enter your email address"));
        assert!(email_problem("grace").is_some());
    }

    #[test]
    fn new_passwords_count_characters_not_bytes() {
        assert!(new_password_problem("seven77").is_some());
        assert_eq!(new_password_problem("eight888"), None);
        // Eight characters, sixteen bytes.
        assert_eq!(new_password_problem("éééééééé"), None);
        assert!(new_password_problem(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_some());
    }

    #[test]
    fn display_names_that_look_empty_or_like_an_address_or_a_given_name_are_refused() {
        assert_eq!(display_name_problem("Grace Hopper"), None);
        assert_eq!(display_name_problem("Zoë 🚀"), None);
        assert_eq!(display_name_problem("Membership 101"), None);
        for bad in [
            "\u{3164}",
            "\u{2800}\u{2800}",
            "a\u{00AD}b",
            "grace＠example.com",
            "grace﹫example.com",
            "grace@example.com",
            "🚀🚀",
            "Member 3f2a9c",
            "member ABC123",
        ] {
            assert!(display_name_problem(bad).is_some(), "{bad:?}");
        }
    }
}
