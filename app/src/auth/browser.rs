//! The browser's side of signing out: web storage, the "sign-out pending" marker, and the
//! messages that keep tabs in step. Every function is a no-op in the server build, where
//! there is no browser.

use wire::UserView;

/// Every key this app writes to web storage starts with this, so sign-out can remove
/// exactly ours and nothing of another app on the same origin.
pub const STORAGE_PREFIX: &str = "signout:";
/// The non-secret snapshot of the signed-in user (never a token).
pub const USER_SNAPSHOT_KEY: &str = "signout:user";

/// What one tab tells the others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TabMessage {
    SignedOut,
    SignedIn { user_id: String },
}

// Only the browser build sends and receives messages; the tests use both directions.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
impl TabMessage {
    fn encode(&self) -> String {
        match self {
            Self::SignedOut => "signed-out".into(),
            Self::SignedIn { user_id } => format!("signed-in:{user_id}"),
        }
    }

    fn decode(text: &str) -> Option<Self> {
        // The storage fallback appends a timestamp so that equal messages still differ.
        let text = text.split('|').next().unwrap_or_default();
        match text.split_once(':') {
            None if text == "signed-out" => Some(Self::SignedOut),
            Some(("signed-in", id)) if !id.is_empty() => Some(Self::SignedIn {
                user_id: id.to_owned(),
            }),
            _ => None,
        }
    }
}

#[cfg(feature = "hydrate")]
mod imp {
    use gloo_storage::{LocalStorage, SessionStorage, Storage};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    use super::*;

    /// Written and removed at once to fire `storage` events in the other tabs: the fallback
    /// where `BroadcastChannel` is missing.
    const EVENT_KEY: &str = "signout:event";
    const CHANNEL_NAME: &str = "signout:auth";
    /// A cookie rather than web storage so that the server sees it too and renders the
    /// first HTML signed out.
    const PENDING_COOKIE: &str = wire::SIGNOUT_PENDING_COOKIE;

    pub fn save_user_snapshot(user: &UserView) {
        let _ = LocalStorage::set(USER_SNAPSHOT_KEY, user);
    }

    pub fn user_snapshot() -> Option<UserView> {
        LocalStorage::get(USER_SNAPSHOT_KEY).ok()
    }

    /// Removes every key of this app from localStorage, and all of sessionStorage (which
    /// is per tab, so nothing in it can belong to anyone but this tab's user).
    pub fn clear_app_storage() {
        let storage = LocalStorage::raw();
        let len = storage.length().unwrap_or(0);
        let ours: Vec<String> = (0..len)
            .filter_map(|i| storage.key(i).ok().flatten())
            .filter(|k| k.starts_with(STORAGE_PREFIX))
            .collect();
        for key in ours {
            let _ = storage.remove_item(&key);
        }
        SessionStorage::clear();
    }

    fn document() -> Option<web_sys::HtmlDocument> {
        web_sys::window()?.document()?.dyn_into().ok()
    }

    /// `; Secure` on a page served over https, as the server sets it there.
    fn secure_attribute() -> &'static str {
        let https = web_sys::window()
            .and_then(|w| w.location().protocol().ok())
            .is_some_and(|p| p == "https:");
        if https {
            "; Secure"
        } else {
            ""
        }
    }

    pub fn mark_sign_out_pending() {
        if let Some(doc) = document() {
            let _ = doc.set_cookie(&format!(
                "{PENDING_COOKIE}=1; Path=/; SameSite=Strict; Max-Age=31536000{}",
                secure_attribute()
            ));
        }
    }

    pub fn clear_sign_out_pending() {
        if let Some(doc) = document() {
            let _ = doc.set_cookie(&format!(
                "{PENDING_COOKIE}=; Path=/; SameSite=Strict; Max-Age=0{}",
                secure_attribute()
            ));
        }
    }

    pub fn sign_out_pending() -> bool {
        document().and_then(|d| d.cookie().ok()).is_some_and(|c| {
            c.split(';')
                .any(|p| p.trim().starts_with(&format!("{PENDING_COOKIE}=")))
        })
    }

    pub fn tell_other_tabs(message: &TabMessage) {
        let text = message.encode();
        if let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL_NAME) {
            let _ = channel.post_message(&text.clone().into());
            channel.close();
        }
        let stamped = format!("{text}|{}", js_sys::Date::now());
        let _ = LocalStorage::raw().set_item(EVENT_KEY, &stamped);
        let _ = LocalStorage::raw().remove_item(EVENT_KEY);
    }

    /// Calls `handler` for every message from another tab, for the life of the page.
    pub fn listen_to_other_tabs(handler: impl Fn(TabMessage) + Clone + 'static) {
        if let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL_NAME) {
            let on_message = handler.clone();
            let callback = Closure::<dyn Fn(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| {
                    if let Some(message) = event
                        .data()
                        .as_string()
                        .as_deref()
                        .and_then(TabMessage::decode)
                    {
                        on_message(message);
                    }
                },
            );
            channel.set_onmessage(Some(callback.as_ref().unchecked_ref()));
            // Both live as long as the page: this listener is installed once, at start.
            callback.forget();
            std::mem::forget(channel);
        }
        let callback =
            Closure::<dyn Fn(web_sys::StorageEvent)>::new(move |event: web_sys::StorageEvent| {
                if event.key().as_deref() == Some(EVENT_KEY) {
                    if let Some(message) = event.new_value().as_deref().and_then(TabMessage::decode)
                    {
                        handler(message);
                    }
                }
            });
        if let Some(window) = web_sys::window() {
            let _ = window
                .add_event_listener_with_callback("storage", callback.as_ref().unchecked_ref());
        }
        callback.forget();
    }

    /// Calls `handler` when the page is shown again from the back-forward cache.
    pub fn on_restored_from_bfcache(handler: impl Fn() + 'static) {
        let callback = Closure::<dyn Fn(web_sys::PageTransitionEvent)>::new(
            move |event: web_sys::PageTransitionEvent| {
                if event.persisted() {
                    handler();
                }
            },
        );
        if let Some(window) = web_sys::window() {
            let _ = window
                .add_event_listener_with_callback("pageshow", callback.as_ref().unchecked_ref());
        }
        callback.forget();
    }

    /// The server's push channel for this session (`GET /api/auth/events`).
    pub struct PushChannel {
        source: web_sys::EventSource,
    }

    impl PushChannel {
        pub fn close(self) {
            self.source.close();
        }
    }

    /// Opens the push channel; `on_ended` runs with the server's reason when it says this
    /// session ended.
    pub fn open_push_channel(on_ended: impl Fn(String) + 'static) -> Option<PushChannel> {
        let source = web_sys::EventSource::new("/api/auth/events").ok()?;
        let callback =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                on_ended(event.data().as_string().unwrap_or_default())
            });
        source
            .add_event_listener_with_callback("session-ended", callback.as_ref().unchecked_ref())
            .ok()?;
        callback.forget();
        Some(PushChannel { source })
    }

    pub fn reload_page() {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    }

    /// Calls `handler` when the browser comes back online.
    pub fn on_online(handler: impl Fn() + 'static) {
        let callback = Closure::<dyn Fn()>::new(handler);
        if let Some(window) = web_sys::window() {
            let _ = window
                .add_event_listener_with_callback("online", callback.as_ref().unchecked_ref());
        }
        callback.forget();
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    use super::*;

    pub fn save_user_snapshot(_: &UserView) {}
    pub fn user_snapshot() -> Option<UserView> {
        None
    }
    pub fn clear_app_storage() {}
    pub fn mark_sign_out_pending() {}
    pub fn clear_sign_out_pending() {}
    pub fn sign_out_pending() -> bool {
        false
    }
    pub fn tell_other_tabs(_: &TabMessage) {}
    pub fn listen_to_other_tabs(_: impl Fn(TabMessage) + Clone + 'static) {}
    pub fn on_restored_from_bfcache(_: impl Fn() + 'static) {}
    pub fn on_online(_: impl Fn() + 'static) {}
    pub fn reload_page() {}
    pub struct PushChannel;
    impl PushChannel {
        pub fn close(self) {}
    }
    pub fn open_push_channel(_: impl Fn(String) + 'static) -> Option<PushChannel> {
        None
    }
}

pub use imp::*;

#[cfg(test)]
mod tests {
    use super::TabMessage;

    #[test]
    fn tab_messages_survive_the_round_trip() {
        for m in [
            TabMessage::SignedOut,
            TabMessage::SignedIn {
                user_id: "u-1".into(),
            },
        ] {
            assert_eq!(TabMessage::decode(&m.encode()), Some(m.clone()));
            assert_eq!(
                TabMessage::decode(&format!("{}|1700000000", m.encode())),
                Some(m)
            );
        }
        assert_eq!(TabMessage::decode("signed-in:"), None);
        assert_eq!(TabMessage::decode("nonsense"), None);
    }
}
