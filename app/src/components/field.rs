//! One labelled input with its hint and its error, tied together for assistive
//! technology: the input names the hint and the error in `aria-describedby` and says
//! `aria-invalid` while the error stands, so a screen reader reads them with the field.

use leptos::html::Input;
use leptos::prelude::*;

use crate::app_error::AppError;

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
    /// Focused when the page loads: the field a plain post came back with an error for.
    #[prop(default = false)]
    autofocus: bool,
) -> impl IntoView {
    // Only the server's render needs it: it is what a browser without JavaScript focuses
    // when the page loads. Once the client runs, script moves focus (`show_problems`), and
    // the attribute would only be code in every page's first load.
    #[cfg(feature = "ssr")]
    let only_in_the_servers_render = leptos::attr::autofocus(autofocus);
    #[cfg(not(feature = "ssr"))]
    #[allow(clippy::let_unit_value)]
    let only_in_the_servers_render = {
        let _ = autofocus;
    };
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
                {..only_in_the_servers_render}
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

/// Where a form's refusals go: an error that `field_of` places goes under that field of
/// `fields` (and focus to it); any other is the form's, returned for the form to show.
///
/// The first value is the error a plain post came back with: it is under its field in the
/// server's render already (the page the browser without JavaScript gets), and the client
/// puts focus there when it takes over.
pub fn refusals_beside_fields<I, T>(
    action: Action<I, Result<T, AppError>>,
    fields: Vec<(FieldError, NodeRef<Input>)>,
    field_of: fn(&AppError) -> Option<usize>,
) -> Memo<Option<String>>
where
    I: Send + Sync + 'static,
    T: Send + Sync + 'static,
{
    let placed = move |refusal: Option<&AppError>| {
        let error = refusal?;
        let field = fields.get(field_of(error)?).copied()?;
        Some((field, error.to_string()))
    };
    if let Some(((error, _), text)) = action
        .value()
        .with_untracked(|v| placed(v.as_ref()?.as_ref().err()))
    {
        error.set(Some(text));
    }
    Effect::new(move |_| {
        let refusal = action.value().with(|v| placed(v.as_ref()?.as_ref().err()));
        if let Some(((error, input), text)) = refusal {
            show_problems(&[(error, input, Some(text))]);
        }
    });
    Memo::new(move |_| {
        action.value().with(|v| match v {
            Some(Err(e)) if field_of(e).is_none() => Some(e.message()),
            _ => None,
        })
    })
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
