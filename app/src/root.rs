//! The HTML shell and the root component: providers, header, routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

use crate::auth::runtime::AuthRuntime;
use crate::auth::session::{initial_flash, initial_session};
use crate::auth::store::AuthStore;
use crate::components::confirm_dialog::UrlQuestion;
use crate::components::header::Header;
use crate::components::page_focus::FocusOnNavigation;
use crate::components::toasts::{ToastRegion, Toasts};
use crate::pages::{
    dashboard::DashboardRoute, home::HomePage, login::LoginPage, not_found::NotFound,
    profile::ProfileRoute, recovery::AccountPagesRoute, register::RegisterPage,
};
use crate::query_client::QueryClient;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                // The bundle's file names carry a content hash (cargo-leptos `hash-files`),
                // so they can be cached for a year; these read the names from the build.
                <HashedStylesheet options=options.clone() id="leptos"/>
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
    AuthStore::provide().initialise(initial_session());
    // A plain form post (no JavaScript) that led here left its notice for this page.
    // Read once and shared: the sign-in form takes the typed email from it.
    let flash = initial_flash();
    let toasts = Toasts::provide();
    if let Some(text) = flash.notice_text() {
        toasts.info(text);
    }
    provide_context(flash);
    UrlQuestion::provide();
    QueryClient::provide();

    // The routes sit directly in the router, where the server's route list can see them.
    // Every route renders whole before the first byte is sent (`SsrMode::Async`): the
    // pages are small, and the first HTML is then complete and right.
    view! {
        <Title text="Signout — a blog that really signs you out"/>
        <Router>
            <AuthRuntime>
                <FocusOnNavigation/>
                <Header/>
                // In the flow under the header: a message takes its own room rather than
                // covering what the user is looking at.
                <ToastRegion/>
                <main class="page">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                        <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                        <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async/>
                        <Route path=path!("/dashboard") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::Async/>
                        // `/profile` and a session's page, `/profile/sessions/<id>`, in one route
                        // entry: each entry is code in every page's first load.
                        <Route path=path!("/profile/:section?/:id?") view={Lazy::<ProfileRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin") view={Lazy::<AccountPagesRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/reauthenticate") view={Lazy::<AccountPagesRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/account/not-me") view={Lazy::<AccountPagesRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/forgot-password") view={Lazy::<AccountPagesRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/reset-password") view={Lazy::<AccountPagesRoute>::new()} ssr=SsrMode::Async/>
                    </Routes>
                </main>
            </AuthRuntime>
        </Router>
    }
}
