//! The dialog that asks for the password again before a guarded action carries on
//! (`auth::step_up`). Without JavaScript the same question is a page of its own
//! (`pages::reauthenticate`).

use leptos::html;
use leptos::prelude::*;

use crate::app_error::AppError;
use crate::auth::actions;
use crate::auth::client::signed_in_call;
use crate::auth::flows::AuthFlows;

#[component]
pub fn ReauthDialog() -> impl IntoView {
    let step_up = AuthFlows::expect().step_up();
    let dialog = NodeRef::<html::Dialog>::new();
    let password = NodeRef::<html::Input>::new();
    let error = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    let opener = super::confirm_dialog::modal::follow(dialog, step_up.open);
    let confirm = Action::new(move |typed: &String| {
        let typed = typed.clone();
        send_wrapper::SendWrapper::new(async move {
            // An access token that expired while the dialog was open is refreshed first.
            match signed_in_call(|| actions::reauthenticate(typed.clone(), None)).await {
                Ok(_) => {
                    error.set(None);
                    step_up.answer(true);
                }
                Err(refused) => error.set(Some(refused_words(&refused))),
            }
        })
    });
    // Escape and `close()` end in the `close` event: an unanswered question is a cancel.
    let on_close = move |_: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        super::confirm_dialog::modal::return_focus(opener);
        error.try_set(None);
        step_up.answer(false);
    };

    view! {
        <dialog node_ref=dialog class="dialog" aria-labelledby="reauth-title"
            aria-describedby="reauth-why" on:close=on_close>
            <div class="dialog-body">
                <h2 id="reauth-title">"Enter your password again"</h2>
                <p id="reauth-why">
                    "To keep your account safe if someone else gets hold of this session, "
                    "this needs your password first. Then it carries on."
                </p>
                <form class="stack" on:submit=move |ev| {
                    ev.prevent_default();
                    let Some(input) = password.get_untracked() else { return };
                    let typed = input.value();
                    // A password never stays in a field once sent.
                    input.set_value("");
                    confirm.dispatch(typed);
                }>
                    <label>"Password"
                        <input node_ref=password type="password" name="password"
                            autocomplete="current-password" required autofocus/>
                    </label>
                    <Show when=move || error.get().is_some()>
                        <p class="form-error" role="alert">{move || error.get()}</p>
                    </Show>
                    <div class="dialog-actions">
                        <button type="button" class="button-secondary" on:click=move |_| {
                            step_up.answer(false);
                        }>"Cancel"</button>
                        <button type="submit" class="button-primary"
                            disabled=move || confirm.pending().get()>"Confirm"</button>
                    </div>
                </form>
            </div>
        </dialog>
    }
}

fn refused_words(error: &AppError) -> String {
    match error {
        AppError::WrongPassword => "That is not your password.".into(),
        other => other.message(),
    }
}
