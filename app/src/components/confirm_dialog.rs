//! A modal question with a confirm and a cancel button, for actions that end sessions.
//! It works without JavaScript too: the button that asks is a GET form that opens this
//! page with `?confirm=<key>`, which renders the dialog open, and its confirm button is a
//! real form posting to the server function.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The query parameter that opens a dialog in the server's render.
const CONFIRM_PARAM: &str = "confirm";

/// The open state of the dialog named `key`: open in the first render when the page was
/// asked for with `?confirm=<key>` (the no-JavaScript way), then as the page decides.
pub fn use_confirm(key: &'static str) -> RwSignal<bool> {
    let query = use_query_map();
    let asked = query.with_untracked(|q| q.get(CONFIRM_PARAM).as_deref() == Some(key));
    RwSignal::new(asked)
}

/// Hidden fields of a form: written as `vec![("keep_current", "true")]` for a fixed value,
/// or with a `String` for one known only at run time (the post a delete is about).
#[derive(Clone, Debug, Default)]
pub struct HiddenFields(Vec<(&'static str, String)>);

impl From<Vec<(&'static str, &'static str)>> for HiddenFields {
    fn from(fields: Vec<(&'static str, &'static str)>) -> Self {
        Self(fields.into_iter().map(|(k, v)| (k, v.to_owned())).collect())
    }
}

impl From<Vec<(&'static str, String)>> for HiddenFields {
    fn from(fields: Vec<(&'static str, String)>) -> Self {
        Self(fields)
    }
}

/// The button that asks. With JavaScript it opens the dialog in place; without, it
/// loads `page?confirm=<key>`, where the dialog is open.
#[component]
pub fn AskButton(
    /// The dialog's key, as given to `use_confirm`.
    key: &'static str,
    /// The page the dialog is on.
    page: &'static str,
    open: RwSignal<bool>,
    #[prop(into)] disabled: Signal<bool>,
    class: &'static str,
    /// More of the page's query, for a question about one thing among several
    /// (`post=<id>`).
    #[prop(optional, into)]
    fields: HiddenFields,
    children: Children,
) -> impl IntoView {
    view! {
        <form method="get" action=page class="inline-form" on:submit=move |ev| {
            ev.prevent_default();
            open.set(true);
        }>
            <input type="hidden" name=CONFIRM_PARAM value=key/>
            {fields.0.into_iter().map(|(name, value)| view! {
                <input type="hidden" name=name value=value/>
            }).collect_view()}
            <button type="submit" class=class disabled=move || disabled.get()>{children()}</button>
        </form>
    }
}

#[component]
pub fn ConfirmDialog(
    /// Whether the dialog is shown.
    open: RwSignal<bool>,
    title: &'static str,
    message: &'static str,
    /// The confirm button's text, also its accessible name.
    confirm_label: &'static str,
    /// Where the confirm button posts without JavaScript: a server function's URL.
    action: &'static str,
    /// The fields of that post, beside the button.
    #[prop(optional, into)]
    fields: HiddenFields,
    /// Where Cancel goes without JavaScript: the page without the question.
    cancel_href: &'static str,
    /// Runs when the user confirms, with JavaScript; the dialog closes first.
    on_confirm: Callback<()>,
) -> impl IntoView {
    let title_id = format!("dialog-{}", title.to_lowercase().replace([' ', '?'], "-"));
    let fields = StoredValue::new(fields);
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
                    <form method="post" action=action class="dialog-actions" on:submit=move |ev| {
                        ev.prevent_default();
                        open.set(false);
                        on_confirm.run(());
                    }>
                        {fields.get_value().0.into_iter().map(|(name, value)| view! {
                            <input type="hidden" name=name value=value/>
                        }).collect_view()}
                        // Without JavaScript, Cancel loads the page without the question.
                        <button
                            type="submit"
                            class="button-secondary"
                            formmethod="get"
                            formaction=cancel_href
                            on:click=move |ev| {
                                ev.prevent_default();
                                open.set(false);
                            }
                        >
                            "Cancel"
                        </button>
                        <button type="submit" class="button-danger" autofocus>{confirm_label}</button>
                    </form>
                </div>
            </div>
        </Show>
    }
}
