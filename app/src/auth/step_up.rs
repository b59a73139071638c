//! Asking for the password again in place (RFC 9470's step-up, as the web client does it):
//! a guarded action refused with `reauthentication_required` opens the password dialog,
//! and once the password is confirmed the same action is sent again. Cancelling leaves
//! the action undone, and its form shows why.

use futures::channel::oneshot;
use leptos::prelude::*;

/// The dialog's state, shared by the flows that wait on it and the dialog that answers.
#[derive(Clone, Copy)]
pub struct StepUp {
    /// The dialog is shown.
    pub open: RwSignal<bool>,
    /// Who waits for the answer (two actions may ask at once; one password answers both):
    /// told `true` once the password is confirmed, `false` on cancel.
    waiting: StoredValue<Vec<oneshot::Sender<bool>>>,
}

impl StepUp {
    pub fn new() -> Self {
        Self {
            open: RwSignal::new(false),
            waiting: StoredValue::new(Vec::new()),
        }
    }

    /// Opens the dialog and waits for the password to be confirmed.
    pub async fn confirmed(&self) -> bool {
        let (answer, answered) = oneshot::channel();
        self.waiting.update_value(|waiting| waiting.push(answer));
        self.open.set(true);
        answered.await.unwrap_or(false)
    }

    /// The dialog's answer; it closes.
    pub fn answer(&self, confirmed: bool) {
        let waiting = self
            .waiting
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        for waiter in waiting {
            let _ = waiter.send(confirmed);
        }
        self.open.try_set(false);
    }
}

impl Default for StepUp {
    fn default() -> Self {
        Self::new()
    }
}
