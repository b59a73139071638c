//! The server function that tells the first render who is signed in, so the server's HTML
//! is already right and hydration shows no flash of the wrong state.

use leptos::prelude::*;

use super::types::SignedIn;
use crate::app_error::AppError;

/// The caller, if their access token is valid and unrevoked; `None` otherwise (not an
/// error: being signed out is a normal state).
#[server(prefix = "/api", endpoint = "session/current", input = leptos::server_fn::codec::GetUrl)]
pub async fn current_session() -> Result<Option<SignedIn>, AppError> {
    use crate::auth::types::UserView;
    use crate::backend::{authn::authenticate, server_fn_auth, users};

    let state = server_fn_auth::app_state()?;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Ok(None);
    };
    let Ok(auth) = authenticate(&state, &parts.headers) else {
        return Ok(None);
    };
    let user = users::find_by_id(&state.db, auth.user_id())
        .await
        .map_err(server_fn_auth::internal)?;
    Ok(user.map(|user| SignedIn {
        user: UserView {
            id: user.id,
            email: user.email,
            created_at: user.created_at,
        },
        session_id: auth.session_id().to_owned(),
    }))
}

/// The start-up answer to "who is signed in?", loaded once per page by the root.
#[derive(Clone, Copy)]
pub struct AuthBoot(pub Resource<Result<Option<SignedIn>, AppError>>);

impl AuthBoot {
    /// Blocking: the first HTML waits for it, so it already shows the right state.
    pub fn provide() {
        provide_context(Self(Resource::new_blocking(|| (), |_| current_session())));
    }
}

/// Renders `children` once the store holds the server's answer, so nothing renders (on
/// the server or in the browser) from a guess about who is signed in.
#[component]
pub fn WhenAuthKnown(children: ChildrenFn) -> impl IntoView {
    let boot = expect_context::<AuthBoot>().0;
    let auth = super::store::AuthStore::expect();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                auth.initialise(boot.await.ok().flatten());
                // `try_`: the render may have ended while this waited (see `initialise`).
                children.try_with_value(|c| c()).unwrap_or_else(|| ().into_any())
            })}
        </Suspense>
    }
}
