//! The dashboard's edit form for one post (`/dashboard?edit=<id>`): a page of its own, so
//! it works without JavaScript, and the same form taken over by the client when it runs.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_navigate;

use crate::auth::client::signed_in_call;
use crate::auth::flows::AuthFlows;
use crate::components::server_form::{
    browser_action, error_after_plain_post, form_error, take_submission,
};
use crate::components::toasts::Toasts;
use crate::posts::{edit_draft, EditDraft};
use wire::{Notice, Post, MAX_TITLE_CHARS};

/// `post` is `None` when the id asked for is not one of the caller's posts.
#[component]
pub fn EditPost(post: Option<Post>, on_saved: Callback<()>) -> impl IntoView {
    let Some(post) = post else {
        return view! {
            <section class="card">
                <h2>"Edit post"</h2>
                <p class="form-error" role="alert">
                    "This post cannot be edited: it is not one of yours, or it no longer exists."
                </p>
                <p><a href="/dashboard">"Back to the dashboard"</a></p>
            </section>
        }
        .into_any();
    };
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    let navigate = use_navigate();
    let save = browser_action(error_after_plain_post::<EditDraft>().map(Err), {
        move |input: &EditDraft| {
            let (flows, input, navigate) = (flows.clone(), input.clone(), navigate.clone());
            async move {
                let saved = signed_in_call(|| {
                    edit_draft(input.id.clone(), input.title.clone(), input.body.clone())
                })
                .await;
                match &saved {
                    Ok(()) => {
                        on_saved.run(());
                        toasts.info(Notice::PostUpdated.text());
                        navigate("/dashboard", Default::default());
                    }
                    Err(e) if e.is_unauthenticated() => flows.session_ended(),
                    Err(_) => {}
                }
                saved
            }
        }
    });
    let error = form_error(save);
    // The form replaces the one the user was not in: take them to it, as `autofocus` does
    // for the page loaded without JavaScript.
    let title_input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = title_input.get() {
            let _ = input.focus();
        }
    });
    let Post {
        id, title, body, ..
    } = post;
    let shown_body = body.clone();
    view! {
        <section class="card" aria-labelledby="edit-post-heading">
            <h2 id="edit-post-heading">"Edit post"</h2>
            <form method="post" action=EditDraft::url() on:submit=move |ev| {
                if let Some(input) = take_submission::<EditDraft>(&ev) {
                    save.dispatch(input);
                }
            }>
                <input type="hidden" name="id" value=id/>
                <label>
                    "Title"
                    <input type="text" name="title" required maxlength=MAX_TITLE_CHARS.to_string() value=title node_ref=title_input autofocus/>
                </label>
                <label>
                    "Body"
                    // The child is the server's render, the property the browser's.
                    <textarea name="body" prop:value=body>{shown_body}</textarea>
                </label>
                <Show when=move || error().is_some()>
                    <p class="form-error" role="alert">{error}</p>
                </Show>
                <div class="actions-row">
                    <button type="submit" class="button-primary" disabled=move || save.pending().get()>
                        "Save changes"
                    </button>
                    <a href="/dashboard" class="action-link">"Cancel"</a>
                </div>
            </form>
        </section>
    }
    .into_any()
}
