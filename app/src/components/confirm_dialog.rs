//! A modal question with a confirm and a cancel button, for actions that end sessions.

use leptos::prelude::*;

#[component]
pub fn ConfirmDialog(
    /// Whether the dialog is shown.
    open: RwSignal<bool>,
    title: &'static str,
    message: &'static str,
    /// The confirm button's text, also its accessible name.
    confirm_label: &'static str,
    /// Runs when the user confirms; the dialog closes first.
    on_confirm: Callback<()>,
) -> impl IntoView {
    let title_id = format!("dialog-{}", title.to_lowercase().replace(' ', "-"));
    view! {
        <Show when=move || open.get()>
            <div class="dialog-backdrop" on:click=move |_| open.set(false)>
                <div
                    class="dialog"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby=title_id.clone()
                    on:click=|ev| ev.stop_propagation()
                    on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }
                >
                    <h2 id=title_id.clone()>{title}</h2>
                    <p>{message}</p>
                    <div class="dialog-actions">
                        <button class="button-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                        <button
                            class="button-danger"
                            autofocus
                            on:click=move |_| {
                                open.set(false);
                                on_confirm.run(());
                            }
                        >
                            {confirm_label}
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
