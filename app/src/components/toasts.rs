//! Short messages for the user ("You have been signed out"), announced to assistive
//! technology through a `role="status"` region.
//!
//! The region sits in the page's flow under the header (not floating over it), so a
//! message never covers the control the user is on or the content they read; and a
//! message that is already shown is renewed rather than shown twice.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastKind {
    Info,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    pub id: u64,
    pub kind: ToastKind,
    pub text: String,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

impl Toasts {
    pub fn provide() -> Self {
        let toasts = Self {
            items: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(0),
        };
        provide_context(toasts);
        toasts
    }

    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    pub fn info(&self, text: impl Into<String>) {
        self.push(ToastKind::Info, text.into());
    }

    pub fn error(&self, text: impl Into<String>) {
        self.push(ToastKind::Error, text.into());
    }

    /// Runs a flow in the background and says so if it is refused: "Could not {what}. {why}".
    /// A refusal because the session has ended is not said: the sign-out that follows says it.
    pub fn run_flow<T>(
        self,
        what: &'static str,
        flow: impl std::future::Future<Output = Result<T, crate::app_error::AppError>> + 'static,
    ) {
        leptos::task::spawn_local(async move {
            if let Err(e) = flow.await {
                if !e.is_unauthenticated() {
                    self.error(format!("Could not {what}. {}", e.message()));
                }
            }
        })
    }

    fn push(&self, kind: ToastKind, text: String) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        // The same words again (two drafts saved in a row) replace the old message: one
        // line, announced again, with a fresh timer.
        self.items.update(|items| {
            items.retain(|t| !(t.kind == kind && t.text == text));
            items.push(Toast { id, kind, text });
        });
        // Timers exist only in the browser; a toast rendered by the server (the notice of a
        // plain form post) is pushed again by hydration, which starts its timer.
        #[cfg(feature = "hydrate")]
        {
            let items = self.items;
            set_timeout(
                move || items.update(|items| items.retain(|t| t.id != id)),
                std::time::Duration::from_secs(6),
            );
        }
    }

    /// Drops every message: what was said to the last user is not for the next one.
    pub fn clear(&self) {
        self.items.set(Vec::new());
    }

    pub fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|t| t.id != id));
    }
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = Toasts::expect();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div class="toast" class:toast-error=toast.kind == ToastKind::Error>
                    <span>{toast.text.clone()}</span>
                    <button class="toast-close" aria-label="Dismiss" on:click=move |_| toasts.dismiss(toast.id)>
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_message_twice_is_shown_once() {
        let owner = Owner::new();
        owner.set();
        let toasts = Toasts::provide();
        toasts.info("Draft saved");
        toasts.info("Published");
        toasts.info("Draft saved");
        toasts.error("Draft saved");
        let shown: Vec<(ToastKind, String)> = toasts
            .items
            .get_untracked()
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect();
        assert_eq!(
            shown,
            [
                (ToastKind::Info, "Published".to_owned()),
                (ToastKind::Info, "Draft saved".to_owned()),
                (ToastKind::Error, "Draft saved".to_owned()),
            ]
        );
    }
}
