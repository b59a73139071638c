//! A TCP proxy in front of the test PostgreSQL that a test can cut (every open connection
//! dropped, new ones closed on arrival) and restore: a database outage on demand. It can
//! also delay the database's answers: a slow network, which widens every window in which
//! a request can be cut short. 127.0.0.1 only.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

use backend::config::Config;

use crate::harness::{postgres_admin_url, spawn_app_with, Backend, TestApp};

pub struct DbProxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accepting: JoinHandle<()>,
}

#[derive(Default)]
struct Shared {
    cut: AtomicBool,
    forwarding: Mutex<Vec<AbortHandle>>,
}

impl DbProxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstream`, holding every chunk
    /// the database sends back for `latency`.
    async fn start(upstream: SocketAddr, latency: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let addr = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared::default());
        let state = shared.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if state.cut.load(Ordering::SeqCst) {
                    // Refused: closed on arrival, as a load balancer with no backend does.
                    drop(client);
                    continue;
                }
                let forward = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        if latency.is_zero() {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        } else {
                            forward_slowly(client, server, latency).await;
                        }
                    }
                });
                let mut forwarding = state.forwarding.lock().expect("proxy lock");
                forwarding.retain(|f| !f.is_finished());
                forwarding.push(forward.abort_handle());
            }
        });
        Self {
            addr,
            shared,
            accepting,
        }
    }

    /// The outage begins: every forwarded connection is dropped, new ones are closed.
    pub fn cut(&self) {
        self.shared.cut.store(true, Ordering::SeqCst);
        for forward in self.shared.forwarding.lock().expect("proxy lock").drain(..) {
            forward.abort();
        }
    }

    /// The database is back.
    pub fn restore(&self) {
        self.shared.cut.store(false, Ordering::SeqCst);
    }

    /// `database_url` with its host and port replaced by the proxy's.
    pub fn url_for(&self, database_url: &str) -> String {
        let (scheme, rest) = database_url.split_once("://").expect("a URL");
        let (authority, path) = rest.split_once('/').expect("a database name");
        let user = authority
            .rsplit_once('@')
            .map(|(user, _)| format!("{user}@"));
        format!(
            "{scheme}://{}{}/{path}",
            user.unwrap_or_default(),
            self.addr
        )
    }
}

/// Forwards both ways until either side closes; the database's bytes wait `latency`.
async fn forward_slowly(client: TcpStream, server: TcpStream, latency: Duration) {
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let upstream = tokio::io::copy(&mut from_client, &mut to_server);
    let downstream = async {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n @ 1..) = from_server.read(&mut buf).await {
            tokio::time::sleep(latency).await;
            if to_client.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    };
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        self.accepting.abort();
        self.cut();
    }
}

/// A server on a fresh PostgreSQL database that it reaches only through a new proxy,
/// which delays the database's answers by `latency`.
pub async fn spawn_behind_proxy(
    latency: Duration,
    adjust: impl FnOnce(&mut Config),
) -> (DbProxy, TestApp) {
    let proxy = DbProxy::start(upstream_of(&postgres_admin_url()).await, latency).await;
    let app = spawn_app_with(Backend::Postgres, |config| {
        adjust(config);
        config.database_url = proxy.url_for(&config.database_url);
    })
    .await;
    (proxy, app)
}

/// The host and port of a `postgres://` URL, resolved.
async fn upstream_of(database_url: &str) -> SocketAddr {
    let rest = database_url.split_once("://").expect("a URL").1;
    let authority = rest.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    tokio::net::lookup_host(&host_port)
        .await
        .ok()
        .and_then(|mut addrs| addrs.next())
        .expect("the test PostgreSQL resolves")
}
