//! "Recent security activity": what happened to the account, where and when.

use leptos::prelude::*;
use leptos_fetch::QueryClient;

use crate::auth::store::AuthStore;
use crate::format;
use crate::queries::activity_of;

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
        _ => "Security event",
    }
}

#[component]
pub fn SecurityActivity() -> impl IntoView {
    let auth = AuthStore::expect();
    let activity = expect_context::<QueryClient>().resource(activity_of, move || auth.user_id());
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading activity…"</p> }>
            {move || Suspend::new(async move {
                match activity.await {
                    Ok(entries) => view! {
                        <ul class="session-list" aria-label="Recent security activity">
                            {entries.into_iter().map(|e| view! {
                                <li>
                                    <div>
                                        <strong>{describe(&e.kind)}</strong>
                                        <div class="muted small">
                                            {e.device} " · " {e.ip.unwrap_or_default()}
                                        </div>
                                    </div>
                                    <span class="muted small">{format::date_time(e.at)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(_) => view! { <p class="form-error">"The activity could not be loaded."</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
