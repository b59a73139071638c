//! Forms that are real HTML forms posting to a server function, and that the client takes
//! over once it runs. Before hydration, or with JavaScript off, the browser posts the form
//! itself and the server answers with a redirect (`backend::web`); after hydration the
//! submit handler reads the same fields into the same server function's arguments, calls
//! it, and runs the follow-up work in that same future.

use leptos::form::FromFormData;
use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::error::ServerFnUrlError;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;
use serde::de::DeserializeOwned;

use crate::app_error::AppError;

/// The arguments of the server function `S`, read from the submitted form, and the
/// browser's own post stopped. `None` leaves the post to the browser (nothing is lost:
/// the server answers a plain post too).
pub fn take_submission<S: DeserializeOwned>(ev: &leptos::ev::SubmitEvent) -> Option<S> {
    let input = S::from_event(ev).ok()?;
    ev.prevent_default();
    Some(input)
}

/// The error a plain form post of `S` came back with: the server redirected back to this
/// page with it in the URL (`?__path=…&__err=…`), and the router put it in context.
///
/// Only while the URL still says so (the router keeps the context after a client-side
/// navigation), and only the error's code: the URL is anyone's to write, so its message
/// is not shown, ours for that code is.
pub fn error_after_plain_post<S: ServerFn<Error = AppError>>() -> Option<AppError> {
    let error = use_context::<ServerActionError>()?;
    let in_url = use_query_map().with_untracked(|q| q.get("__path").as_deref() == Some(S::PATH));
    if !in_url || error.path() != S::PATH {
        return None;
    }
    let decoded = ServerFnUrlError::<AppError>::decode_err(error.err());
    Some(match decoded {
        AppError::InvalidInput(_) => AppError::InvalidInput(
            "some of what was typed is not accepted; check it and try again".into(),
        ),
        other => other,
    })
}

/// A form's action, whose work runs in the browser, started with `initial` (the error of a
/// plain post, for the first render).
///
/// Its future touches browser things (not `Send`) and is only ever created and polled on
/// the browser's one thread; the wrapper makes it a `Send` action. A local action would
/// not do: the server renders on several threads, and dropping a local action on another
/// thread than its own aborts the render.
pub fn browser_action<I, O, Fut>(
    initial: Option<O>,
    run: impl Fn(&I) -> Fut + Send + Sync + 'static,
) -> Action<I, O>
where
    I: Send + Sync + 'static,
    O: Send + Sync + 'static,
    Fut: std::future::Future<Output = O> + 'static,
{
    Action::new_with_value(initial, move |input: &I| {
        send_wrapper::SendWrapper::new(run(input))
    })
}

/// What a form shows under its fields: its action's last error.
pub fn form_error<I, T>(
    action: Action<I, Result<T, AppError>>,
) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static
where
    I: Send + Sync + 'static,
    T: Send + Sync + 'static,
{
    move || {
        action.value().with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err())
                .map(AppError::message)
        })
    }
}
