//! The HTML shell and the root component: providers, header, routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::auth::session::current_session;
use crate::auth::store::AuthStore;
use crate::components::header::Header;
use crate::components::toasts::{ToastRegion, Toasts};
use crate::pages::{home::HomePage, login::LoginPage, not_found::NotFound, register::RegisterPage};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let auth = AuthStore::provide();
    Toasts::provide();
    // Blocking: the first HTML waits for it, so it already shows the right header.
    let boot = Resource::new_blocking(|| (), |_| current_session());

    view! {
        <Stylesheet id="leptos" href="/pkg/signout.css"/>
        <Title text="Signout — a blog that really signs you out"/>
        <Router>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    auth.initialise(boot.await.ok().flatten());
                    view! {
                        <Header/>
                        <main class="page">
                            <Routes fallback=NotFound>
                                <Route path=path!("/") view=HomePage/>
                                <Route path=path!("/login") view=LoginPage/>
                                <Route path=path!("/register") view=RegisterPage/>
                            </Routes>
                        </main>
                    }
                })}
            </Suspense>
            <ToastRegion/>
        </Router>
    }
}
