//! One labelled input with its hint and its error, tied together for assistive
//! technology: the input names the hint and the error in `aria-describedby` and says
//! `aria-invalid` while the error stands, so a screen reader reads them with the field.

use leptos::html::Input;
use leptos::prelude::*;

/// The error shown under one field; cleared as soon as the field is edited again.
pub type FieldError = RwSignal<Option<String>>;

#[component]
pub fn Field(
    /// Unique on the page: two forms on one page may both have a `current_password`.
    id: &'static str,
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    autocomplete: &'static str,
    /// A standing rule shown under the field ("At least 8 characters").
    #[prop(default = None)]
    hint: Option<String>,
    #[prop(optional, into)] value: String,
    /// The browser's own check, for the plain form (before the WASM runs, or without it).
    #[prop(default = None)]
    minlength: Option<usize>,
    #[prop(default = None)] maxlength: Option<usize>,
    #[prop(default = true)] required: bool,
    error: FieldError,
    #[prop(optional)] node_ref: NodeRef<Input>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let has_hint = hint.is_some();
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let ids: Vec<&str> = has_hint
                .then_some(hint_id.as_str())
                .into_iter()
                .chain(error.with(Option::is_some).then_some(error_id.as_str()))
                .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type=input_type
                name=name
                autocomplete=autocomplete
                value=value
                required=required
                minlength=minlength
                maxlength=maxlength
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
                node_ref=node_ref
                on:input=move |_| {
                    if error.with_untracked(Option::is_some) {
                        error.set(None);
                    }
                }
            />
            {hint.map(|hint| view! { <p id=hint_id class="field-hint">{hint}</p> })}
            <Show when=move || error.with(Option::is_some)>
                <p id=error_id.clone() class="field-error">{move || error.get().map(|e| crate::format::sentence(&e))}</p>
            </Show>
        </div>
    }
}

/// Shows `problems` under their fields and moves focus to the first field that has one.
/// Returns whether there were any (the form must then not be sent).
pub fn show_problems(problems: &[(FieldError, NodeRef<Input>, Option<String>)]) -> bool {
    let mut first = None;
    for (error, input, problem) in problems {
        if problem.is_some() && first.is_none() {
            first = Some(*input);
        }
        error.set(problem.clone());
    }
    match first {
        Some(input) => {
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
            true
        }
        None => false,
    }
}
