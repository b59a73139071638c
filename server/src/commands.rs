//! The server binary's subcommands, which read the same configuration as the server:
//!
//!     server                       serve (the default)
//!     server admin grant EMAIL     make the account an administrator
//!     server admin revoke EMAIL    make it an ordinary account again

use backend::clock::Clock;
use backend::config::Config;
use backend::AppState;
use leptos::config::get_configuration;

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    Admin { grant: bool, email: String },
}

pub const USAGE: &str = "usage: server [admin grant EMAIL | admin revoke EMAIL]";

impl Command {
    /// The arguments after the program's name.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        match words.as_slice() {
            [] => Ok(Self::Serve),
            ["admin", action @ ("grant" | "revoke"), email] => Ok(Self::Admin {
                grant: *action == "grant",
                email: (*email).to_owned(),
            }),
            _ => Err(USAGE.to_owned()),
        }
    }
}

/// `server admin grant|revoke EMAIL`: prints what it did; an unknown email is an error.
pub async fn set_admin(mut config: Config, grant: bool, email: &str) -> anyhow::Result<()> {
    // A command that exits at once must not claim mail it would never finish sending.
    config.mail.transport = backend::config::MailTransport::Off;
    let options = get_configuration(None)?.leptos_options;
    let state = AppState::start(config, Clock::system(), options).await?;
    if !backend::admin::set_admin(&state, email, grant)
        .await
        .map_err(|e| anyhow::anyhow!("the database could not be updated: {e}"))?
    {
        anyhow::bail!("no account has the email {email:?}");
    }
    let what = if grant {
        "is now an administrator"
    } else {
        "is no longer an administrator"
    };
    println!("{email} {what}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Command;

    fn parse(words: &[&str]) -> Result<Command, String> {
        Command::parse(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn the_command_line_is_read_exactly() {
        assert_eq!(parse(&[]), Ok(Command::Serve));
        assert_eq!(
            parse(&["admin", "grant", "a@b.example"]),
            Ok(Command::Admin {
                grant: true,
                email: "a@b.example".into()
            })
        );
        assert_eq!(
            parse(&["admin", "revoke", "a@b.example"]),
            Ok(Command::Admin {
                grant: false,
                email: "a@b.example".into()
            })
        );
        assert!(parse(&["admin", "grant"]).is_err());
        assert!(parse(&["admin", "promote", "a@b.example"]).is_err());
        assert!(parse(&["serve", "now"]).is_err());
    }
}
