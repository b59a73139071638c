//! "Activity": what happened to the account, where and when, a page at a time.

use crate::query_client::QueryClient;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::auth::store::AuthStore;
use crate::format;
use crate::queries::activity_of;
use wire::{ACTIVITY_MAX, ACTIVITY_PAGE};

fn describe(kind: &str) -> &'static str {
    match kind {
        "sign_up" => "Account created",
        "sign_in" => "Signed in",
        "sign_in_failed" => "Failed sign-in",
        "refresh" => "Session renewed",
        "sign_out" => "Signed out",
        "sign_out_others" => "Signed out other devices",
        "sign_out_everywhere" => "Signed out from all devices",
        "session_revoked" => "A device was signed out",
        "refresh_token_reuse" => "Stolen token detected; session ended",
        "password_changed" => "Password changed",
        "email_changed" => "Email changed",
        "security_concern" => "Security concern reported",
        "session_limit" => "Signed out: too many devices at once",
        "reauthenticated" => "Password confirmed again",
        "account_disabled" => "Account disabled by an administrator",
        "account_enabled" => "Account enabled by an administrator",
        "admin_ended_sessions" => "Every session ended by an administrator",
        "admin_ended_every_session" => "Every session ended by an administrator",
        "admin_granted" => "Made an administrator",
        "admin_revoked" => "No longer an administrator",
        "administered_account" => "You acted as an administrator",
        "not_me" => "Every session ended from a mail's “Not me” link",
        "password_reset_requested" => "Password reset asked for",
        "password_reset" => "Password set with a reset link",
        _ => "Security event",
    }
}

/// How many events the page asks for: `?activity=<n>` (the "Show more" link, which works
/// the same with and without JavaScript), in whole pages, within the API's bounds.
fn shown_from(param: Option<&str>) -> u32 {
    let asked = param
        .and_then(|p| p.trim().parse::<u32>().ok())
        .unwrap_or(ACTIVITY_PAGE)
        // First into bounds: a huge number would overflow the rounding below.
        .clamp(1, ACTIVITY_MAX);
    let pages = asked.div_ceil(ACTIVITY_PAGE);
    (pages * ACTIVITY_PAGE).min(ACTIVITY_MAX)
}

#[component]
pub fn SecurityActivity() -> impl IntoView {
    let auth = AuthStore::expect();
    let query = use_query_map();
    // Read in the key itself, not through a memo of this component: the query client
    // may re-key after the page is gone (on sign-out), and the router's query outlives it.
    let activity = QueryClient::expect().resource(activity_of, move || {
        let shown = query
            .try_with(|q| shown_from(q.get("activity").as_deref()))
            .unwrap_or(ACTIVITY_PAGE);
        (auth.user_id(), shown)
    });
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading activity…"</p> }>
            {move || Suspend::new(async move {
                match activity.await {
                    Ok(page) => {
                        // With more to come, the page is full: as long as was asked.
                        // (Not read from `shown`: this may finish after the page is gone.)
                        let shown = page.entries.len() as u32;
                        view! {
                            <ul class="session-list" aria-label="Recent security activity">
                                {page.entries.into_iter().map(|e| {
                                    // A device signed out from another: named as the one that
                                    // ended, and the other as where it was done from.
                                    let (what, from) = match e.ended_device {
                                        Some(ended) => (format!("{ended} was signed out"), "From "),
                                        None => (describe(&e.kind).to_owned(), ""),
                                    };
                                    view! {
                                        <li>
                                            <div>
                                                <strong>{what}</strong>
                                                <div class="muted small">
                                                    {from} {e.device} " · " {e.ip.unwrap_or_default()}
                                                </div>
                                            </div>
                                            <time class="muted small" datetime=format::machine_time(e.at)>
                                                {format::local_date_time(e.at)}
                                            </time>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            {match (page.more, shown < ACTIVITY_MAX) {
                                // A plain link: the server renders the longer list by itself.
                                (true, true) => view! {
                                    <a class="button-secondary show-more" href=format!("/profile?activity={}#activity", shown + ACTIVITY_PAGE)>
                                        "Show more"
                                    </a>
                                }.into_any(),
                                (true, false) => view! {
                                    <p class="muted small">{format!("The {ACTIVITY_MAX} most recent events are shown.")}</p>
                                }.into_any(),
                                _ => ().into_any(),
                            }}
                        }.into_any()
                    }
                    Err(_) => view! { <p class="form-error">"The activity could not be loaded."</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::shown_from;

    #[test]
    fn the_page_length_comes_in_whole_pages_within_bounds() {
        assert_eq!(shown_from(None), 20);
        assert_eq!(shown_from(Some("40")), 40);
        assert_eq!(shown_from(Some("25")), 40);
        assert_eq!(shown_from(Some("0")), 20);
        assert_eq!(shown_from(Some("x")), 20);
        assert_eq!(shown_from(Some("100000")), 200);
        // Once a panic in a debug build (the rounding overflowed u32).
        assert_eq!(shown_from(Some("4294967295")), 200);
    }
}
