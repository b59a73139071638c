//! The server binary's subcommands, which read the same configuration as the server:
//!
//!     server                       serve (the default)
//!     server admin grant EMAIL     make the account an administrator
//!     server admin revoke EMAIL    make it an ordinary account again
//!     server keys rotate [--alg ES256]
//!                                  a new signing key (EdDSA unless asked), signing in a minute
//!     server ssf add-receiver NAME register a Shared Signals receiver; prints its secret

use backend::clock::Clock;
use backend::config::Config;
use backend::db::{self, Dialect};
use backend::keys::{self, material::KeyAlg, seal::Sealer};
use backend::AppState;
use leptos::config::get_configuration;

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    Admin { grant: bool, email: String },
    RotateKeys { alg: KeyAlg },
    AddReceiver { name: String },
}

pub const USAGE: &str = "usage: server [admin grant EMAIL | admin revoke EMAIL \
     | keys rotate [--alg EdDSA|ES256] | ssf add-receiver NAME]";

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
            ["keys", "rotate"] => Ok(Self::RotateKeys { alg: KeyAlg::EdDsa }),
            ["keys", "rotate", "--alg", alg] => KeyAlg::parse(alg)
                .map(|alg| Self::RotateKeys { alg })
                .ok_or_else(|| format!("unknown algorithm {alg:?}: EdDSA or ES256\n{USAGE}")),
            ["ssf", "add-receiver", name] => Ok(Self::AddReceiver {
                name: (*name).to_owned(),
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

/// `server keys rotate`: a new key, published now, signing in `keys::ROTATION_LEAD`
/// seconds; the current ones verify until their last token has expired.
pub async fn rotate_keys(config: Config, alg: KeyAlg) -> anyhow::Result<()> {
    let db = db::connect_and_migrate(&config.database_url).await?;
    let dialect = Dialect::of(&config.database_url)?;
    let sealer = Sealer::new(&config.key_encryption_key);
    let now = Clock::system().now();
    let rotated = keys::store::rotate(&db, dialect, &sealer, alg, now, keys::ROTATION_LEAD).await?;
    println!(
        "new {} key {} signs from {} (in {} s); {} older key(s) stop signing then and verify until their tokens expire",
        alg.as_str(),
        rotated.kid,
        rotated.activates_at,
        keys::ROTATION_LEAD,
        rotated.retiring
    );
    Ok(())
}

/// `server ssf add-receiver NAME`: the secret alone on stdout (for a script to capture),
/// the explanation on stderr.
pub async fn add_receiver(config: Config, name: &str) -> anyhow::Result<()> {
    let db = db::connect_and_migrate(&config.database_url).await?;
    let secret = backend::ssf::streams::add_receiver(&db, name, Clock::system().now()).await?;
    eprintln!(
        "receiver {name:?} added. Its bearer secret, shown only now, is on the next line: \
         it creates the stream at /ssf/streams and polls /ssf/poll."
    );
    println!("{}", secret.expose());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Command;
    use backend::keys::material::KeyAlg;

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
        assert_eq!(
            parse(&["keys", "rotate"]),
            Ok(Command::RotateKeys { alg: KeyAlg::EdDsa })
        );
        assert_eq!(
            parse(&["keys", "rotate", "--alg", "ES256"]),
            Ok(Command::RotateKeys { alg: KeyAlg::Es256 })
        );
        assert!(parse(&["keys", "rotate", "--alg", "HS256"]).is_err());
        assert_eq!(
            parse(&["ssf", "add-receiver", "notes"]),
            Ok(Command::AddReceiver {
                name: "notes".into()
            })
        );
        assert!(parse(&["ssf", "add-receiver"]).is_err());
    }
}
