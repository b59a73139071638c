//! A modal question with a confirm and a cancel button, for actions that end sessions.
//!
//! It is the browser's own `<dialog>`, opened with `showModal()` once the client runs: the
//! browser then moves focus in (to Cancel, the safe choice), keeps Tab inside, closes on
//! Escape and makes the page behind it inert; on close focus goes back to the button that
//! asked. It works without JavaScript too: the button that asks is a GET form that opens
//! this page with `?confirm=<key>`, which the server renders as `<dialog open>` (shown,
//! though not modal), and its confirm button is a real form posting to the server function.

use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The query parameter that opens a dialog in the server's render.
const CONFIRM_PARAM: &str = "confirm";

/// Whether the question the page's URL asked (`?confirm=<key>`) has been answered. The URL
/// still says `confirm` after its dialog closes, and a component made again later (a
/// devices list read again) would ask the question again; once one is answered, only the
/// page decides. Provided once, at the root.
#[derive(Clone, Copy)]
pub struct UrlQuestion {
    answered: StoredValue<bool>,
}

impl UrlQuestion {
    pub fn provide() {
        provide_context(Self {
            answered: StoredValue::new(false),
        });
    }

    fn answered(self) {
        self.answered.try_update_value(|answered| *answered = true);
    }
}

/// The open state of the dialog named `key`: open in the first render when the page was
/// asked for with `?confirm=<key>` (the no-JavaScript way) and that question is not yet
/// answered, then as the page decides.
pub fn use_confirm(key: &str) -> RwSignal<bool> {
    let answered =
        use_context::<UrlQuestion>().is_some_and(|q| q.answered.try_get_value().unwrap_or(true));
    let query = use_query_map();
    let asked = query.with_untracked(|q| q.get(CONFIRM_PARAM).as_deref() == Some(key));
    RwSignal::new(asked && !answered)
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
    #[prop(into)]
    key: String,
    /// The page the dialog is on.
    #[prop(into)]
    page: String,
    open: RwSignal<bool>,
    #[prop(into)] disabled: Signal<bool>,
    class: &'static str,
    /// The button's accessible name when its text alone is not enough (several "Revoke"
    /// buttons); it should start with the visible text.
    #[prop(optional, into)]
    label: Option<TextProp>,
    /// The id of a text that says why the button is disabled, or what it does.
    #[prop(optional, into)]
    described_by: Option<String>,
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
            <button
                type="submit"
                class=class
                aria-label=move || label.as_ref().map(|l| l.get().to_string())
                aria-describedby=described_by
                // `try_get`: a list re-read can drop the signal a moment before the button.
                disabled=move || disabled.try_get().unwrap_or(true)
            >
                {children()}
            </button>
        </form>
    }
}

#[component]
pub fn ConfirmDialog(
    /// Whether the dialog is shown.
    open: RwSignal<bool>,
    /// The dialog's key, as given to `use_confirm`: makes its element ids unique when two
    /// dialogs share a title (two "Safari on iPhone"). Without it, the title is used.
    #[prop(optional, into)]
    key: Option<String>,
    /// The heading, also the dialog's accessible name.
    #[prop(into)]
    title: String,
    /// The question's text; it may change (a time put in the reader's zone).
    #[prop(into)]
    message: TextProp,
    /// The confirm button's text, also its accessible name.
    #[prop(into)]
    confirm_label: String,
    /// Where the confirm button posts without JavaScript: a server function's URL.
    action: &'static str,
    /// The fields of that post, beside the button.
    #[prop(optional, into)]
    fields: HiddenFields,
    /// Where Cancel goes without JavaScript: the page without the question.
    #[prop(into)]
    cancel_href: String,
    /// Runs when the user confirms, with JavaScript; the dialog closes first.
    on_confirm: Callback<()>,
) -> impl IntoView {
    let id = dom_id(key.as_deref().unwrap_or(&title));
    let title_id = format!("{id}-title");
    let message_id = format!("{id}-message");
    let (labelled_by, described_by) = (title_id.clone(), message_id.clone());
    let dialog = NodeRef::<html::Dialog>::new();
    // Asked for in the URL: the server renders it open (not modal: only script can make
    // it modal); the client's first render must say the same, then `follow` takes over.
    let open_at_first_render = open.get_untracked();
    #[cfg(feature = "hydrate")]
    let opener = modal::follow(dialog, open);

    // Escape, the form's own close and `close()` all end in the `close` event: the signal
    // follows the element, and focus goes back where it came from.
    let url_question = use_context::<UrlQuestion>();
    let on_close = move |_: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            // The server-rendered `open` dialog is closed once to be reopened as modal.
            if dialog
                .try_get_untracked()
                .flatten()
                .is_some_and(|el| el.open())
            {
                return;
            }
            modal::return_focus(opener);
        }
        if let Some(question) = url_question {
            question.answered();
        }
        // `try_`: the close event of a dialog closed on leaving the page comes after it.
        open.try_set(false);
    };
    // A click on the dialog element itself (not its content) is a click on the backdrop.
    let on_click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        if modal::is_backdrop_click(dialog, &ev) {
            open.try_set(false);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };

    view! {
        <dialog
            node_ref=dialog
            class="dialog"
            open=open_at_first_render
            aria-labelledby=labelled_by
            aria-describedby=described_by
            on:close=on_close
            on:click=on_click
        >
            <div class="dialog-body">
                <h2 id=title_id>{title}</h2>
                <p id=message_id>{move || message.get().to_string()}</p>
                <div class="dialog-actions">
                    // First in the tab order and focused on opening: the safe choice.
                    // Without JavaScript, Cancel loads the page without the question: a
                    // form of its own, so that none of the confirm's fields go in its URL.
                    <form method="get" action=cancel_href>
                        <button
                            type="submit"
                            class="button-secondary"
                            autofocus
                            on:click=move |ev| {
                                ev.prevent_default();
                                open.set(false);
                            }
                        >
                            "Cancel"
                        </button>
                    </form>
                    <form method="post" action=action on:submit=move |ev| {
                        ev.prevent_default();
                        open.set(false);
                        on_confirm.run(());
                    }>
                        {fields.0.into_iter().map(|(name, value)| view! {
                            <input type="hidden" name=name value=value/>
                        }).collect_view()}
                        <button type="submit" class="button-danger">{confirm_label}</button>
                    </form>
                </div>
            </div>
        </dialog>
    }
}

/// An element id made of `text`: letters and digits, the rest as dashes.
fn dom_id(text: &str) -> String {
    let slug: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("dialog-{}", slug.trim_matches('-'))
}

/// The browser side: the `open` signal drives `showModal()` / `close()`.
#[cfg(feature = "hydrate")]
pub(crate) mod modal {
    use leptos::html;
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::JsCast;

    /// The element that had focus when the dialog opened.
    pub type Opener = StoredValue<Option<SendWrapper<web_sys::HtmlElement>>>;

    pub fn follow(dialog: NodeRef<html::Dialog>, open: RwSignal<bool>) -> Opener {
        let opener: Opener = StoredValue::new(None);
        Effect::new(move |_| {
            let Some(wanted) = open.try_get() else { return };
            let Some(el) = dialog.get() else { return };
            if wanted {
                if el.matches(":modal").unwrap_or(false) {
                    return;
                }
                let focused = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.active_element())
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                    .filter(|e| !el.contains(Some(e.as_ref())));
                opener.set_value(focused.map(SendWrapper::new));
                // Rendered open by the server: `showModal()` refuses an open dialog.
                if el.open() {
                    el.close();
                }
                let _ = el.show_modal();
            } else if el.open() {
                el.close();
            }
        });
        opener
    }

    /// Focus back on the button that asked, if it is still on the page.
    pub fn return_focus(opener: Opener) {
        if let Some(el) = opener.try_update_value(Option::take).flatten() {
            if el.is_connected() {
                let _ = el.focus();
            }
        }
    }

    pub fn is_backdrop_click(dialog: NodeRef<html::Dialog>, ev: &leptos::ev::MouseEvent) -> bool {
        let (Some(el), Some(target)) = (dialog.try_get_untracked().flatten(), ev.target()) else {
            return false;
        };
        let el: &web_sys::EventTarget = el.as_ref();
        el == &target
    }
}
