//! `/dashboard`: the signed-in user's own posts, drafts included. This is the private
//! data that must not survive a sign-out anywhere.

use leptos::prelude::*;
use leptos_fetch::QueryClient;

use crate::app_error::AppError;
use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::hydration::use_hydrated;
use crate::components::require_auth::RequireAuth;
use crate::components::toasts::Toasts;
use crate::format;
use crate::posts::{publish_post, save_draft, Post};
use crate::queries::{posts_of, signed_in_call};

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
    let hydrated = use_hydrated();
    let queries = expect_context::<QueryClient>();
    let posts = queries.resource(posts_of, move || auth.user_id());
    let refetch = move || queries.invalidate_query(posts_of, auth.user_id_untracked());

    // Uncontrolled, like every form here: hydration must not reset what was typed.
    let title = NodeRef::<leptos::html::Input>::new();
    let body = NodeRef::<leptos::html::Textarea>::new();
    let save = Action::new_local(move |(t, b): &(String, String)| {
        let (t, b) = (t.clone(), b.clone());
        async move { signed_in_call(|| save_draft(t.clone(), b.clone())).await }
    });
    let publish = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move { signed_in_call(|| publish_post(id.clone())).await }
    });

    let on_session_loss = flows.clone();
    Effect::new(move |_| {
        let lost = matches!(posts.get(), Some(Err(AppError::Unauthenticated)))
            || matches!(save.value().get(), Some(Err(AppError::Unauthenticated)))
            || matches!(publish.value().get(), Some(Err(AppError::Unauthenticated)));
        if lost {
            on_session_loss.session_ended();
        }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            if let Some(input) = title.get_untracked() {
                input.set_value("");
            }
            if let Some(input) = body.get_untracked() {
                input.set_value("");
            }
            refetch();
            toasts.info("Draft saved");
        }
        Some(Err(e)) if e != AppError::Unauthenticated => {
            toasts.error(format::sentence(&e.to_string()))
        }
        _ => {}
    });
    Effect::new(move |_| match publish.value().get() {
        Some(Ok(())) => {
            refetch();
            toasts.info("Post published");
        }
        Some(Err(e)) if e != AppError::Unauthenticated => {
            toasts.error(format::sentence(&e.to_string()))
        }
        _ => {}
    });

    view! {
        <h1>"Dashboard"</h1>
        <section class="card">
            <h2>"New draft"</h2>
            <p class="muted">"Drafts are private: only you can see them until you publish."</p>
            <form method="post" on:submit=move |ev| {
                ev.prevent_default();
                let title = title.get_untracked().map(|i| i.value()).unwrap_or_default();
                let body = body.get_untracked().map(|i| i.value()).unwrap_or_default();
                save.dispatch((title, body));
            }>
                <label>
                    "Title"
                    <input type="text" name="title" required maxlength="200" node_ref=title/>
                </label>
                <label>
                    "Body"
                    <textarea name="body" node_ref=body></textarea>
                </label>
                <button type="submit" class="button-primary" disabled=move || !hydrated.get() || save.pending().get()>
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
fn PostItem(post: Post, publish: Action<String, Result<(), AppError>>) -> impl IntoView {
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
                <button class="button-secondary" on:click={
                    let id = id.clone();
                    move |_| { publish.dispatch(id.clone()); }
                }>"Publish"</button>
            </Show>
        </li>
    }
}
