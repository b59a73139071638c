//! `/`: the public posts, readable by anyone.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::queries::published;
use crate::query_client::QueryClient;

#[component]
pub fn HomePage() -> impl IntoView {
    let posts = QueryClient::expect().resource(published, || ());
    view! {
        <Title text="Latest posts · Signout"/>
        <h1>"Latest posts"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading posts…"</p> }>
            {move || Suspend::new(async move {
                match posts.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">"No posts yet. Sign in and publish the first one."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="post-list">
                            {list.into_iter().map(|post| view! {
                                <li class="card post">
                                    <h2>{post.title}</h2>
                                    <p class="muted">"by " {post.author_name}</p>
                                    <p>{post.body}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(_) => view! { <p class="form-error">"The posts could not be loaded."</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
