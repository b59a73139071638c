//! What the mails say, in plain text and in HTML: the product's own words, no tracking
//! pixel, no image, no remote content. Every mail about the account's security ends with
//! the "Not me? Sign out everywhere" link.

use super::outbox::Mail;
use crate::clock::UnixTime;

/// A mail about the account's security, and the "Not me" link it carries.
pub struct Notice {
    pub to: String,
    pub subject: String,
    /// Paragraphs: what happened.
    pub said: Vec<String>,
    pub not_me: String,
}

impl Notice {
    pub fn mail(self) -> Mail {
        let ask = "Not you? Sign out everywhere: this link ends every session of your \
                   account at once, then lets you set a new password. It works once, for 7 days, \
                   and needs no sign-in.";
        let text = format!(
            "{}\n\n{ask}\n{}\n\n— Signout\n",
            self.said.join("\n\n"),
            self.not_me
        );
        let paragraphs: String = self
            .said
            .iter()
            .map(|p| format!("<p>{}</p>", escape(p)))
            .collect();
        let html = format!(
            "<!DOCTYPE html><html><body>{paragraphs}<p>{}</p>\
             <p><a href=\"{}\">Not me? Sign out everywhere</a></p><p>— Signout</p></body></html>",
            escape(ask),
            escape(&self.not_me)
        );
        Mail {
            to: self.to,
            subject: self.subject,
            text,
            html,
        }
    }
}

/// A mail that needs no "Not me" link (the account is gone, or the mail is the reset).
fn plain(to: &str, subject: &str, said: &[String]) -> Mail {
    let text = format!("{}\n\n— Signout\n", said.join("\n\n"));
    let paragraphs: String = said
        .iter()
        .map(|p| format!("<p>{}</p>", escape(p)))
        .collect();
    Mail {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text,
        html: format!("<!DOCTYPE html><html><body>{paragraphs}<p>— Signout</p></body></html>"),
    }
}

pub fn new_sign_in(
    to: &str,
    device: &str,
    ip: Option<&str>,
    at: UnixTime,
    not_me: String,
) -> Notice {
    let from = ip.map(|ip| format!(", from {ip}")).unwrap_or_default();
    Notice {
        to: to.to_owned(),
        subject: format!("New sign-in: {device}"),
        said: vec![format!(
            "Your account was signed in to from a device it had not been used on before: \
             {device}{from}, on {}.",
            utc(at)
        )],
        not_me,
    }
}

pub fn password_changed(to: &str, at: UnixTime, not_me: String) -> Notice {
    Notice {
        to: to.to_owned(),
        subject: "Your password was changed".into(),
        said: vec![format!(
            "The password of your account was changed on {}. Every other session was signed out.",
            utc(at)
        )],
        not_me,
    }
}

/// To the old address and to the new one.
pub fn email_changed(to: &str, old: &str, new: &str, at: UnixTime, not_me: String) -> Notice {
    Notice {
        to: to.to_owned(),
        subject: "Your account's email was changed".into(),
        said: vec![format!(
            "The email of your account was changed from {old} to {new} on {}. Every other \
             session was signed out.",
            utc(at)
        )],
        not_me,
    }
}

pub fn sessions_ended(to: &str, why: &str, ended: usize, not_me: String) -> Notice {
    Notice {
        to: to.to_owned(),
        subject: "Every session of your account was ended".into(),
        said: vec![format!("{why}: {ended} session(s) ended, on every device.")],
        not_me,
    }
}

pub fn account_deleted(to: &str) -> Mail {
    plain(
        to,
        "Your account was deleted",
        &[
            "Your account was deleted, and every session with it. If you did not do this, \
             someone knew your password: it no longer opens anything here, and this address \
             can make a new account."
                .into(),
        ],
    )
}

pub fn account_disabled(to: &str) -> Mail {
    plain(
        to,
        "Your account was disabled",
        &[
            "An administrator disabled your account, and every session of it ended. You \
           cannot sign in until it is enabled again."
                .into(),
        ],
    )
}

pub fn password_reset(to: &str, link: &str) -> Mail {
    plain(
        to,
        "Set a new password",
        &[
            "Someone (we hope you) asked to set a new password for your account. This \
             link works once, for 30 minutes:"
                .into(),
            link.into(),
            "Setting the new password signs out every session of the account. If you did \
             not ask, ignore this mail: nothing changes."
                .into(),
        ],
    )
}

/// Unix seconds as "2026-12-03 10:15 UTC".
pub fn utc(at: UnixTime) -> String {
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_said_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_796_293_140), "2026-12-03 10:19 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn security_mails_carry_the_link_and_escape_what_they_quote() {
        let mail = new_sign_in(
            "a@b.example",
            "<Chrome> & co",
            None,
            0,
            "https://x/n?token=1".into(),
        )
        .mail();
        assert!(mail.text.contains("https://x/n?token=1"));
        assert!(mail.html.contains("&lt;Chrome&gt; &amp; co"));
        assert!(mail.html.contains("href=\"https://x/n?token=1\""));
        assert!(!mail.html.contains("<img"));
    }
}
