//! How the browser calls the server: every call is a server function; one that needs a
//! session gets the one "401 → refresh → retry" rule here. On the server these run only
//! during a render, where there is nothing to refresh.

use std::future::Future;
use std::time::Duration;

use crate::app_error::AppError;

/// How long sign-out waits for the server before finishing locally.
pub const SIGN_OUT_WAIT: Duration = Duration::from_secs(4);

/// `fut`, or `None` if it takes longer than `limit`.
pub async fn within<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    #[cfg(feature = "hydrate")]
    {
        use futures::future::{select, Either};
        let fut = std::pin::pin!(fut);
        let timer = std::pin::pin!(gloo_timers::future::sleep(limit));
        match select(fut, timer).await {
            Either::Left((value, _)) => Some(value),
            Either::Right(_) => None,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = limit;
        Some(fut.await)
    }
}

/// Runs a server function that needs a session; a 401 gets one refresh and one retry.
/// A second 401 is the caller's to handle (the session has ended).
pub async fn signed_in_call<T, Fut>(call: impl Fn() -> Fut) -> Result<T, AppError>
where
    Fut: Future<Output = Result<T, AppError>>,
{
    match call().await {
        Err(AppError::Unauthenticated) if cfg!(feature = "hydrate") && refresh_session().await => {
            call().await
        }
        other => other,
    }
}

/// Set when the last refresh was refused because the session timed out (idle or absolute
/// lifetime), so the sign-out that follows can say so. One browser page, one thread.
static LAST_REFRESH_EXPIRED: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Whether the server's last refusal of a refresh said the session had expired.
pub fn session_expired() -> bool {
    LAST_REFRESH_EXPIRED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Exchanges the refresh cookie for fresh cookies. One refresh at a time across all tabs
/// (a Web Lock): two tabs rotating the same token at once would look like token theft.
pub async fn refresh_session() -> bool {
    async fn refresh() -> bool {
        let result = super::actions::refresh().await;
        let expired = matches!(result, Err(AppError::SessionExpired));
        LAST_REFRESH_EXPIRED.store(expired, std::sync::atomic::Ordering::Relaxed);
        result.is_ok()
    }
    #[cfg(feature = "hydrate")]
    {
        // The browser runs everything on one thread, so the JS values inside this future
        // never cross threads; the wrapper lets it live in `Send` query futures.
        send_wrapper::SendWrapper::new(async {
            match with_web_lock("signout:refresh", refresh).await {
                Some(ok) => ok,
                None => refresh().await,
            }
        })
        .await
    }
    #[cfg(not(feature = "hydrate"))]
    refresh().await
}

/// Runs `task` while holding the named Web Lock; `None` if the browser has no Web Locks.
#[cfg(feature = "hydrate")]
async fn with_web_lock<F, Fut>(name: &str, task: F) -> Option<bool>
where
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = bool> + 'static,
{
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    let navigator = web_sys::window()?.navigator();
    let locks = js_sys::Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    if locks.is_undefined() {
        return None;
    }
    let request: js_sys::Function = js_sys::Reflect::get(&locks, &JsValue::from_str("request"))
        .ok()?
        .dyn_into()
        .ok()?;
    let callback = Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise {
        wasm_bindgen_futures::future_to_promise(async move { Ok(JsValue::from_bool(task().await)) })
    });
    let promise: js_sys::Promise = request
        .call2(&locks, &JsValue::from_str(name), &callback)
        .ok()?
        .dyn_into()
        .ok()?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()?
        .as_bool()
}
