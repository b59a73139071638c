//! The server binary: configuration, logging, then serve until Ctrl-C or SIGTERM.

use backend::clock::Clock;
use backend::config::Config;
use leptos::config::get_configuration;
use server::Server;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

mod commands;
use commands::Command;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        // One line as each action's span closes (`backend::service`), with its user and
        // session ids and how long it took: a sign-out can be followed through the log.
        .with_span_events(FmtSpan::CLOSE)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match Command::parse(&args) {
        Ok(command) => command,
        Err(usage) => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    if command != Command::Serve {
        let done = match Config::from_env() {
            Ok(config) => match command {
                Command::Admin { grant, email } => commands::set_admin(config, grant, &email).await,
                Command::RotateKeys { alg } => commands::rotate_keys(config, alg).await,
                Command::AddReceiver { name } => commands::add_receiver(config, &name).await,
                Command::Serve => Ok(()),
            },
            Err(err) => Err(err),
        };
        if let Err(err) = done {
            eprintln!("error: {err:#}");
            std::process::exit(1);
        }
        return;
    }
    if let Err(err) = run().await {
        // `{:#}` prints the whole chain: "migrations failed: ...: <cause>".
        eprintln!("error: the server could not start: {err:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let mut options = get_configuration(None)?.leptos_options;
    if options.output_name.is_empty() {
        // Built by plain cargo rather than cargo-leptos.
        options.output_name = "signout".into();
    }
    if !options.hash_files {
        // Started on its own rather than by cargo-leptos: the build left the bundle's
        // hashed file names beside this binary, and the page must name those files.
        options.hash_files = std::env::current_exe()
            .is_ok_and(|exe| exe.with_file_name(&*options.hash_file).exists());
    }
    let addr = options.site_addr;
    let config = Config::from_env()?;
    if config.cookie_secure && config.public_origin.is_none() && !addr.ip().is_loopback() {
        // Browsers then reach this server through a TLS proxy, and send `https://` Origins,
        // which the plain-http server only takes from PUBLIC_ORIGIN.
        tracing::warn!(
            "COOKIE_SECURE is on and PUBLIC_ORIGIN is unset: behind an https proxy, set \
             PUBLIC_ORIGIN (e.g. https://app.example) or every form post is refused as \
             cross-origin"
        );
    }
    // Opened now (8 MB read once) rather than in the first request that shows a place.
    if !backend::geo::is_available() {
        tracing::warn!(
            "no GeoIP database (GEOIP_DATABASE, or tools/node_modules after `make dev`): \
             every device's location shows as Unknown"
        );
    }
    let server = Server::bind(config, Clock::system(), options, addr).await?;
    tracing::info!("listening on http://{}", server.addr);
    server.serve(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut sig) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            sig.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
