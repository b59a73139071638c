//! `/dashboard`: the signed-in user's own posts, drafts included. This is the private
//! data that must not survive a sign-out anywhere.
//!
//! Every change to a post is a real form posting to a server function, so it also works
//! without JavaScript: editing is the page `/dashboard?edit=<id>`, and deleting asks first
//! with `/dashboard?confirm=delete-post:<id>`, which the server renders with that post's
//! question open.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::app_error::AppError;
use crate::auth::client::signed_in_call;
use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::confirm_dialog::{use_confirm, AskButton, ConfirmDialog};
use crate::components::edit_post::EditPost;
use crate::components::page_focus::refocus_when_lost;
use crate::components::require_auth::RequireAuth;
use crate::components::server_form::{
    browser_action, error_after_plain_post, form_error, take_submission,
};
use crate::components::toasts::Toasts;
use crate::format;
use crate::posts::{
    delete_draft, publish_draft, unpublish_draft, write_draft, DeleteDraft, PublishDraft,
    UnpublishDraft, WriteDraft,
};
use crate::queries::{posts_of, published};
use crate::query_client::QueryClient;
use wire::{Notice, Post};

/// The delete question's key in the page's query (`?confirm=delete-post:<id>`).
const DELETE_KEY: &str = "delete-post";
const DELETE_URL: &str = <DeleteDraft as ServerFn>::PATH;

/// A change to one post from the list, run by one action.
#[derive(Clone, Debug)]
pub enum PostChange {
    Publish(String),
    Unpublish(String),
    Delete(String),
}

super::page_of_its_own! {
    /// `/dashboard`'s piece: its code is fetched when the page is first shown.
    DashboardRoute => DashboardPage, piece dashboard_page
}

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
    let queries = QueryClient::expect();
    let posts = queries.resource(posts_of, move || auth.user_id());
    // A change to a post may change the public list too (publish, unpublish, an edit or a
    // delete of a published post).
    let refetch = move || {
        queries.invalidate(posts_of, auth.user_id_untracked());
        queries.invalidate(published, ());
    };
    let query = use_query_map();
    let editing = Memo::new(move |_| query.with(|q| q.get("edit")));

    // A plain post of a list button that failed came back here with its error.
    let list_error = error_after_plain_post::<PublishDraft>()
        .or_else(error_after_plain_post::<UnpublishDraft>)
        .or_else(error_after_plain_post::<DeleteDraft>)
        .map(|e| e.message());

    let on_posts_lost = flows.clone();
    let change = browser_action(None, {
        move |change: &PostChange| {
            let (flows, change) = (flows.clone(), change.clone());
            async move {
                let (done, notice) = match change {
                    PostChange::Publish(id) => (
                        signed_in_call(|| publish_draft(id.clone())).await,
                        Notice::DraftPublished,
                    ),
                    PostChange::Unpublish(id) => (
                        signed_in_call(|| unpublish_draft(id.clone())).await,
                        Notice::PostUnpublished,
                    ),
                    PostChange::Delete(id) => (
                        signed_in_call(|| delete_draft(id.clone())).await,
                        Notice::PostDeleted,
                    ),
                };
                match done {
                    Ok(()) => {
                        refetch();
                        toasts.info(notice.text());
                    }
                    Err(e) if e.is_unauthenticated() => flows.session_ended(),
                    Err(e) => toasts.error(e.message()),
                }
            }
        }
    });
    Effect::new(move |_| {
        // The list itself found the session gone (revoked elsewhere).
        if matches!(posts.get(), Some(Err(AppError::Unauthenticated))) {
            on_posts_lost.session_ended();
        }
    });

    let list = PostList { change };

    let on_saved = Callback::new(move |_| {
        refetch();
    });
    view! {
        // The edit view is a page of its own to the reader: its own title.
        <Title text=move || if editing.get().is_some() { "Edit post · Signout" } else { "Dashboard · Signout" }/>
        <h1>"Dashboard"</h1>
        <Show when=move || editing.get().is_none()>
            <NewDraft on_saved/>
        </Show>
        // One boundary reads the list, for the edit view too (see ARCHITECTURE.md, "one
        // resource, one Suspense"): the post to edit is taken from the list, so an id that
        // is not in it (someone else's, or a deleted one) has nothing to edit.
        <Suspense fallback=|| view! { <p class="muted">"Loading your posts…"</p> }>
            {move || {
                let edit_id = editing.get();
                let list_error = list_error.clone();
                Suspend::new(async move {
                    let items = posts.await;
                    let edit = edit_id.map(|id| {
                        let post = items
                            .as_ref()
                            .ok()
                            .and_then(|list| list.iter().find(|p| p.id == id).cloned());
                        view! { <EditPost post on_saved/> }
                    });
                    view! {
                        {edit}
                        <section class="card">
                            <h2 id="posts-heading">"Your posts"</h2>
                            {list_error.map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
                            {match items {
                                Ok(items) if items.is_empty() => view! {
                                    <p class="muted">"No drafts yet. Write your first one above."</p>
                                }.into_any(),
                                Ok(items) => view! {
                                    <ul class="post-list" aria-label="Your posts">
                                        {items.into_iter().map(|post| view! { <PostItem post list/> }).collect_view()}
                                    </ul>
                                }.into_any(),
                                Err(_) => view! { <p class="form-error">"Your posts could not be loaded."</p> }.into_any(),
                            }}
                        </section>
                    }
                })
            }}
        </Suspense>
    }
}

/// The "New draft" card.
#[component]
fn NewDraft(on_saved: Callback<()>) -> impl IntoView {
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    // The follow-up (clear the form, re-read the list, say so) runs in the action's own
    // future. A plain post (no JavaScript) gets the same answer as a page.
    let form = NodeRef::<leptos::html::Form>::new();
    let save = browser_action(error_after_plain_post::<WriteDraft>().map(Err), {
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
                        on_saved.run(());
                        toasts.info(Notice::DraftSaved.text());
                    }
                    Err(e) if e.is_unauthenticated() => flows.session_ended(),
                    Err(_) => {}
                }
                saved.map(|_| ())
            }
        }
    });
    let save_error = form_error(save);
    view! {
        <section class="card">
            <h2>"New draft"</h2>
            <p class="muted">"Drafts are private: only you can see them until you publish."</p>
            <form method="post" action=WriteDraft::url() node_ref=form on:submit=move |ev| {
                if let Some(input) = take_submission::<WriteDraft>(&ev) {
                    // Disabled while it saves, the button lets focus fall: it gets it back.
                    refocus_when_lost("#save-draft".to_owned());
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
                <button type="submit" id="save-draft" class="button-primary" disabled=move || save.pending().get()>
                    "Save draft"
                </button>
            </form>
        </section>
    }
}

/// What every item of the list shares.
#[derive(Clone, Copy)]
struct PostList {
    change: Action<PostChange, ()>,
}

/// One post with its buttons. Each button's visible text is one word; its accessible name
/// names the post ("Publish My first post"), so a list of them can be told apart.
#[component]
fn PostItem(post: Post, list: PostList) -> impl IntoView {
    let Post {
        id,
        title,
        body,
        published,
        created_at,
        ..
    } = post;
    let toggle = if published {
        PostButton {
            label: "Unpublish",
            url: <UnpublishDraft as ServerFn>::PATH,
            change: PostChange::Unpublish,
        }
    } else {
        PostButton {
            label: "Publish",
            url: <PublishDraft as ServerFn>::PATH,
            change: PostChange::Publish,
        }
    };
    // Each post asks its own question, which names it.
    let delete_key = format!("{DELETE_KEY}:{id}");
    let (row_id, delete_title) = (id.clone(), format!("Delete “{title}”?"));
    let confirm_delete = use_confirm(&delete_key);
    let on_delete = {
        let id = id.clone();
        Callback::new(move |_| {
            // Its Delete button, where focus goes back to, is gone with the post.
            refocus_when_lost("#posts-heading".to_owned());
            list.change.dispatch(PostChange::Delete(id.clone()));
        })
    };
    view! {
        <li class="post" data-post=row_id>
            <h3>
                {title.clone()}
                <span class="badge">{if published { "Published" } else { "Draft" }}</span>
            </h3>
            <p class="muted">{format::date(created_at)}</p>
            <p>{body}</p>
            <div class="post-actions">
                {toggle.view(id.clone(), title.clone(), list.change)}
                <a
                    class="action-link"
                    href=format!("/dashboard?edit={id}")
                    aria-label=format!("Edit {title}")
                >
                    "Edit"
                </a>
                <AskButton
                    key=delete_key.clone()
                    page="/dashboard"
                    open=confirm_delete
                    disabled=false
                    class="button-secondary"
                >
                    "Delete"
                    <span class="visually-hidden">" " {title.clone()}</span>
                </AskButton>
            </div>
            <ConfirmDialog
                open=confirm_delete
                key=delete_key
                title=delete_title
                message="It is deleted for good, whether it is a draft or published. This cannot be undone."
                confirm_label="Delete post"
                action=DELETE_URL
                fields=vec![("id", id)]
                cancel_href="/dashboard"
                on_confirm=on_delete
            />
        </li>
    }
}

/// Publish or Unpublish: a form with the post's id, posted by the browser or by the action.
struct PostButton {
    label: &'static str,
    url: &'static str,
    change: fn(String) -> PostChange,
}

impl PostButton {
    fn view(self, id: String, title: String, action: Action<PostChange, ()>) -> impl IntoView {
        let Self { label, url, change } = self;
        view! {
            <form method="post" action=url class="inline-form" on:submit=move |ev| {
                // Both buttons' forms have the one field `id`.
                if let Some(input) = take_submission::<PublishDraft>(&ev) {
                    // The list is read again and this row made anew: focus goes to its
                    // new button (Unpublish after Publish).
                    refocus_when_lost(format!("li[data-post=\"{}\"] .post-actions button", input.id));
                    action.dispatch(change(input.id));
                }
            }>
                <input type="hidden" name="id" value=id/>
                <button type="submit" class="button-secondary" aria-label=format!("{label} {title}")>
                    {label}
                </button>
            </form>
        }
    }
}
