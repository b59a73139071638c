//! The tests' log output (warnings and errors of the server, shown with a failing test),
//! and a count of the PostgreSQL warnings that betray a connection whose transaction
//! state is not what sqlx believes.

use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// "there is already a transaction in progress" / "there is no transaction in progress",
/// seen by any test of this process. Nothing the server does on purpose causes either.
static TRANSACTION_STATE_WARNINGS: AtomicUsize = AtomicUsize::new(0);

pub fn transaction_state_warnings() -> usize {
    TRANSACTION_STATE_WARNINGS.load(Ordering::SeqCst)
}

/// Installs the subscriber once per test process (later calls do nothing).
pub fn init() {
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new("warn"))
        .with(tracing_subscriber::fmt::layer().with_test_writer())
        .with(TransactionStateWarnings)
        .try_init();
}

struct TransactionStateWarnings;

impl<S: tracing::Subscriber> Layer<S> for TransactionStateWarnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "sqlx::postgres::notice" {
            return;
        }
        let mut message = Message::default();
        event.record(&mut message);
        if message.0.contains("transaction in progress") {
            TRANSACTION_STATE_WARNINGS.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_owned();
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}
