//! `/dashboard`: the signed-in user's own posts, drafts included. This is the private
//! data that must not survive a sign-out anywhere.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_fetch::QueryClient;
use leptos_meta::Title;

use crate::app_error::AppError;
use crate::auth::client::signed_in_call;
use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::require_auth::RequireAuth;
use crate::components::server_form::{
    browser_action, error_after_plain_post, form_error, take_submission,
};
use crate::components::toasts::Toasts;
use crate::format;
use crate::posts::{publish_draft, write_draft, PublishDraft, WriteDraft};
use crate::queries::posts_of;
use crate::wire::{Notice, Post};

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <RequireAuth>
            <Dashboard/>
        </RequireAuth>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let auth = AuthStore::expect();
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    let queries = expect_context::<QueryClient>();
    let posts = queries.resource(posts_of, move || auth.user_id());
    let refetch = move || queries.invalidate_query(posts_of, auth.user_id_untracked());

    // Each action's follow-up (clear the form, re-read the list, say so) runs in its own
    // future. A plain post (no JavaScript) gets the same answer as a page.
    let form = NodeRef::<leptos::html::Form>::new();
    let save = browser_action(error_after_plain_post::<WriteDraft>().map(Err), {
        let flows = flows.clone();
        move |input: &WriteDraft| {
            let (flows, input) = (flows.clone(), input.clone());
            async move {
                let saved =
                    signed_in_call(|| write_draft(input.title.clone(), input.body.clone())).await;
                match &saved {
                    Ok(_) => {
                        if let Some(form) = form.get_untracked() {
                            form.reset();
                        }
                        refetch();
                        toasts.info(Notice::DraftSaved.text());
                    }
                    Err(e) if e.is_unauthenticated() => flows.session_ended(),
                    Err(_) => {}
                }
                saved.map(|_| ())
            }
        }
    });
    let on_posts_lost = flows.clone();
    let publish = browser_action(None, move |input: &PublishDraft| {
        let (flows, id) = (flows.clone(), input.id.clone());
        async move {
            let published = signed_in_call(|| publish_draft(id.clone())).await;
            match &published {
                Ok(()) => {
                    refetch();
                    toasts.info(Notice::DraftPublished.text());
                }
                Err(e) if e.is_unauthenticated() => flows.session_ended(),
                Err(e) => toasts.error(e.message()),
            }
        }
    });
    let save_error = form_error(save);
    Effect::new(move |_| {
        // The list itself found the session gone (revoked elsewhere).
        if matches!(posts.get(), Some(Err(AppError::Unauthenticated))) {
            on_posts_lost.session_ended();
        }
    });

    view! {
        <Title text="Dashboard · Signout"/>
        <h1>"Dashboard"</h1>
        <section class="card">
            <h2>"New draft"</h2>
            <p class="muted">"Drafts are private: only you can see them until you publish."</p>
            <form method="post" action=WriteDraft::url() node_ref=form on:submit=move |ev| {
                if let Some(input) = take_submission::<WriteDraft>(&ev) {
                    save.dispatch(input);
                }
            }>
                <label>
                    "Title"
                    <input type="text" name="title" required maxlength="200"/>
                </label>
                <label>
                    "Body"
                    <textarea name="body"></textarea>
                </label>
                <Show when=move || save_error().is_some()>
                    <p class="form-error" role="alert">{save_error}</p>
                </Show>
                <button type="submit" class="button-primary" disabled=move || save.pending().get()>
                    "Save draft"
                </button>
            </form>
        </section>
        <section class="card">
            <h2>"Your posts"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading your posts…"</p> }>
                {move || Suspend::new(async move {
                    match posts.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted">"No drafts yet. Write your first one above."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="post-list" aria-label="Your posts">
                                {list.into_iter().map(|post| view! { <PostItem post publish/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(_) => view! { <p class="form-error">"Your posts could not be loaded."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PostItem(post: Post, publish: Action<PublishDraft, ()>) -> impl IntoView {
    let id = post.id.clone();
    view! {
        <li class="post">
            <h3>
                {post.title}
                <span class="badge">{if post.published { "Published" } else { "Draft" }}</span>
            </h3>
            <p class="muted">{format::date(post.created_at)}</p>
            <p>{post.body}</p>
            <Show when=move || !post.published>
                <form method="post" action=PublishDraft::url() class="inline-form" on:submit=move |ev| {
                    if let Some(input) = take_submission::<PublishDraft>(&ev) {
                        publish.dispatch(input);
                    }
                }>
                    <input type="hidden" name="id" value=id.clone()/>
                    <button type="submit" class="button-secondary">"Publish"</button>
                </form>
            </Show>
        </li>
    }
}
