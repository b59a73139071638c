//! What the server accepts as an email address and as a new password. Shared with the
//! browser so that a form can say what is wrong beside the field before anything is sent;
//! the server checks again with the very same functions, so the two can never disagree.

pub const MIN_PASSWORD_CHARS: usize = 8;
/// Argon2 cost grows with input; a cap keeps one request from being a denial of service.
pub const MAX_PASSWORD_CHARS: usize = 128;

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

/// What is wrong with an email address as typed (surrounding spaces and case do not
/// count), in words for the person typing it.
pub fn email_problem(typed: &str) -> Option<&'static str> {
    let email = typed.trim();
    if email.is_empty() {
        Some("enter your email address")
    } else if !is_plausible_email(&email.to_lowercase()) {
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
}
