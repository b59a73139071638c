//! `/profile/sessions/<id>`: one of the user's sessions in full, as a page of its own (it
//! works without JavaScript too): the device, when it signed in and was last active, from
//! where, how it signed in, whether it is still signed in, and its Revoke.
//!
//! Its code is in the profile's piece (`ProfilePage` shows it when the route has an `:id`):
//! a page only ever reached from the profile.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::app_error::AppError;
use crate::auth::actions::RevokeSession;
use crate::auth::flows::{AuthFlows, ALREADY_SIGNED_OUT};
use crate::auth::store::AuthStore;
use crate::components::account::devices_list::{how_it_ended, RevokeDevice};
use crate::components::page_focus::refocus_when_lost;
use crate::components::server_form::{browser_action, error_after_plain_post};
use crate::components::toasts::Toasts;
use crate::format;
use crate::queries::session_of;
use crate::query_client::QueryClient;
use wire::SessionDetails;

/// The page of the session the route's `:id` names; `ProfilePage` shows it, under the same
/// guard and with the same password dialog as the profile.
#[component]
pub fn Session() -> impl IntoView {
    let auth = AuthStore::expect();
    let params = use_params_map();
    // Read in the key itself: the router's params outlive the page on a sign-out.
    let details = QueryClient::expect().resource(session_of, move || {
        let id = params
            .try_with(|p| p.get("id").unwrap_or_default())
            .unwrap_or_default();
        (auth.user_id(), id)
    });
    // A plain post of Revoke that came back refused (no JavaScript).
    let refused = error_after_plain_post::<RevokeSession>().map(|error| match error {
        AppError::NotFound => view! { <p class="notice" role="status">{ALREADY_SIGNED_OUT}</p> }.into_any(),
        error => view! {
            <p class="form-error" role="alert">"Could not sign that device out. " {error.message()}</p>
        }
        .into_any(),
    });
    view! {
        <Title text="Device · Signout"/>
        <p class="muted small"><a href="/profile">"Profile"</a> " › Devices"</p>
        {refused}
        <Transition fallback=|| view! { <p class="muted">"Loading the session…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(details) => view! { <Details details/> }.into_any(),
                    Err(AppError::NotFound) => view! {
                        <h1>"No such session"</h1>
                        <p>"It is not one of your sessions, or it ended more than 30 days ago."</p>
                        <p><a href="/profile">"Back to your devices"</a></p>
                    }.into_any(),
                    Err(_) => view! {
                        <h1>"Session"</h1>
                        <p class="form-error">"This session could not be loaded."</p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Details(details: SessionDetails) -> impl IntoView {
    let SessionDetails {
        id,
        device,
        user_agent,
        ip,
        location,
        created_at,
        last_active_at,
        signed_in_with,
        current,
        ended_at,
        ended_by,
        as_of,
    } = details;
    let signed_in_at = format::local_date_time(created_at);
    let address = ip.unwrap_or_else(|| "Unknown".into());
    let status = match (ended_at, ended_by.as_deref()) {
        (Some(_), Some(how)) => how_it_ended(how),
        (Some(_), None) => "Signed out",
        (None, _) if current => "Signed in: this is the device you are using",
        (None, _) => "Signed in",
    };
    let how = match signed_in_with.as_str() {
        "api" => "With the token API (an app's password grant), renewed since by refresh",
        _ => "With the sign-in form of this site, renewed since by refresh",
    };
    let active = if current || as_of - last_active_at < format::ACTIVE_NOW_SECS {
        "Active now".to_owned()
    } else {
        format!("Last active {}", format::ago(last_active_at, as_of))
    };
    let placed = location.is_some();
    let revoke = (ended_at.is_none() && !current).then(|| {
        let which = {
            let (device, address) = (device.clone(), address.clone());
            Signal::derive(move || {
                format!("{device}, signed in {} from {address}", signed_in_at.get())
            })
        };
        let page = wire::routes::session_details_path(&id);
        view! {
            <div class="device-actions">
                <RevokeDevice page id device=device.clone() which active=active.clone() revoke=revoke_action()/>
            </div>
        }
    });
    view! {
        <h1>{device.clone()}</h1>
        <section class="card" aria-labelledby="session-heading">
            <h2 id="session-heading">"This session"</h2>
            <dl class="facts">
                <dt>"Status"</dt>
                <dd>{status}</dd>
                {ended_at.map(|at| view! {
                    <dt>"Ended"</dt>
                    <dd><time datetime=format::machine_time(at)>{format::local_date_time(at)}</time></dd>
                })}
                <dt>"Signed in"</dt>
                <dd><time datetime=format::machine_time(created_at)>{signed_in_at}</time></dd>
                <dt>"Last activity"</dt>
                <dd>
                    <time datetime=format::machine_time(last_active_at)>{format::local_date_time(last_active_at)}</time>
                    {ended_at.is_none().then(|| format!(" ({})", active.to_lowercase()))}
                </dd>
                <dt>"How it signed in"</dt>
                <dd>{how}</dd>
                <dt>"IP address"</dt>
                <dd>{address.clone()}</dd>
                <dt>"Approximate location"</dt>
                <dd>{location.unwrap_or_else(|| "Unknown".into())}</dd>
                <dt>"Browser and system"</dt>
                <dd>{device}</dd>
                {user_agent.map(|ua| view! {
                    <dt>"As the browser names itself"</dt>
                    <dd class="small">{ua}</dd>
                })}
            </dl>
            {revoke}
        </section>
        // DB-IP's licence (CC BY 4.0) asks for this where its answers show.
        {placed.then(|| view! {
            <p class="muted small">"Location: " <a href="https://db-ip.com">"IP Geolocation by DB-IP"</a></p>
        })}
    }
}

/// Revoke on this page: the session stays on the page, shown as ended.
fn revoke_action() -> Action<RevokeSession, Result<(), AppError>> {
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    browser_action(
        error_after_plain_post::<RevokeSession>().map(Err),
        move |input: &RevokeSession| {
            let (flows, session_id) = (flows.clone(), input.session_id.clone());
            async move {
                let result = flows.revoke_device(session_id).await;
                match &result {
                    // The button is gone with the session: focus goes to the page's heading.
                    Ok(()) => refocus_when_lost("main h1".to_owned()),
                    Err(e) if !e.is_unauthenticated() => {
                        toasts.error(format!("Could not sign that device out. {}", e.message()))
                    }
                    Err(_) => {}
                }
                result
            }
        },
    )
}
