//! Where mail goes: an SMTP server (`SMTP_URL`), or, with none configured, `.eml` files
//! under `data/mail/` whose subject and first link are logged, so that a developer running
//! `make dev` sees every mail without a mail server.

use std::path::PathBuf;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::outbox::Mail;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files {
        dir: PathBuf,
        files: AsyncFileTransport<Tokio1Executor>,
    },
}

impl Transport {
    /// SMTP at `url` (`smtp://host:port`, STARTTLS when the server offers it;
    /// `?tls=required` to insist; `smtps://` for TLS from the start), else files in `dir`.
    pub fn new(url: Option<&str>, dir: PathBuf) -> anyhow::Result<Self> {
        match url {
            Some(url) => {
                let url = opportunistic_by_default(url);
                let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is not a valid SMTP URL: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build();
                Ok(Self::Smtp(smtp))
            }
            None => Ok(Self::Files {
                files: AsyncFileTransport::new(&dir),
                dir,
            }),
        }
    }

    /// Sends one message; its `Message-ID` is made of `id`, the same on every attempt.
    pub async fn send(&self, from: &Mailbox, id: &str, mail: &Mail) -> Result<(), String> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| format!("not an address: {e}"))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(&mail.subject)
            .message_id(Some(format!("<{id}@signout>")))
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| format!("the message could not be built: {e}"))?;
        match self {
            Self::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Self::Files { dir, files } => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| format!("{}: {e}", dir.display()))?;
                let file = files.send(message).await.map_err(|e| e.to_string())?;
                let link = first_link(&mail.text).unwrap_or("(no link)");
                tracing::info!(
                    to = %mail.to,
                    subject = %mail.subject,
                    link,
                    "mail written to {}/{file}.eml (no SMTP_URL set)",
                    dir.display()
                );
                Ok(())
            }
        }
    }
}

/// `smtp://` without a `tls` parameter upgrades with STARTTLS when the server offers it.
fn opportunistic_by_default(url: &str) -> String {
    if !url.starts_with("smtp://") || url.contains("tls=") {
        return url.to_owned();
    }
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}tls=opportunistic")
}

fn first_link(text: &str) -> Option<&str> {
    text.split_whitespace()
        .find(|word| word.starts_with("http://") || word.starts_with("https://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_urls_upgrade_when_they_can() {
        assert_eq!(
            opportunistic_by_default("smtp://127.0.0.1:1025"),
            "smtp://127.0.0.1:1025?tls=opportunistic"
        );
        assert_eq!(
            opportunistic_by_default("smtp://h:25?tls=required"),
            "smtp://h:25?tls=required"
        );
        assert_eq!(opportunistic_by_default("smtps://h:465"), "smtps://h:465");
    }

    #[test]
    fn the_logged_link_is_the_first_one() {
        assert_eq!(
            first_link("Hello\nhttps://a.example/x?token=1 and http://b"),
            Some("https://a.example/x?token=1")
        );
        assert_eq!(first_link("no link"), None);
    }
}
