//! Any path without a route.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found · Signout"/>
        <h1>"Page not found"</h1>
        <p><a href="/">"Back to the posts"</a></p>
    }
}
