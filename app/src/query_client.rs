//! The query cache of the client: every server read goes through one `QueryClient`, which
//! keeps each answer by its query and key, so a page shown again answers from memory, and
//! which forgets answers on purpose: one query's (`invalidate`), one fetcher's
//! (`invalidate_scope`), or all of them (`clear`, on every sign-in and sign-out).
//!
//! It is the query half of the client's state; the auth store is the other, and neither
//! reads the other's insides (the keys carry the user id, which the callers take from
//! the store). A query is named by its fetcher: every `fn` item has a type of its own, so
//! two fetchers can never share an entry, even with equal keys.
//!
//! Nothing is ever stale by age (no background refetch): an answer is re-read when an action
//! that changes it says so. The few entries of one user live until the next sign-in or
//! sign-out clears them, so there is no timed eviction either.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::resource::{resource, Json};

/// Answers by fetcher, each a `HashMap` from that fetcher's keys to its answers (never errors).
type Answers = HashMap<TypeId, Box<dyn Any + Send + Sync>>;

/// How many times answers were forgotten: all of them (`cleared`), and each fetcher's. A
/// query resource reads its own pair, so forgetting re-runs exactly the resources it
/// concerns; and an answer that arrives after its pair moved on is not kept.
#[derive(Clone, Default, PartialEq)]
struct Generations {
    cleared: u64,
    invalidated: HashMap<TypeId, u64>,
}

/// One fetcher's place in the generations.
type Generation = (u64, u64);

impl Generations {
    fn of(&self, scope: TypeId) -> Generation {
        (
            self.cleared,
            self.invalidated.get(&scope).copied().unwrap_or(0),
        )
    }
}

#[derive(Clone, Copy)]
pub struct QueryClient {
    answers: StoredValue<Answers>,
    generations: RwSignal<Generations>,
}

impl QueryClient {
    /// A new, empty cache, provided to the whole app.
    pub fn provide() -> Self {
        let client = Self {
            answers: StoredValue::new(Answers::new()),
            generations: RwSignal::new(Generations::default()),
        };
        provide_context(client);
        client
    }

    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    /// A resource of `fetcher`'s answer for the key that `key` gives (reactively): taken
    /// from the cache when it is there, fetched and kept when it is not. Its value goes from
    /// the server's render to the browser like any resource's, and the browser keeps it.
    /// Only answers are kept, never errors: a read that failed is tried again next time.
    pub fn resource<F, K, T, E, Fut>(
        self,
        fetcher: F,
        key: impl Fn() -> K + Send + Sync + 'static,
    ) -> Resource<Result<T, E>, Json>
    where
        F: Fn(K) -> Fut + Copy + Send + Sync + 'static,
        K: Hash + Eq + Clone + Send + Sync + 'static,
        T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        E: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        let scope = TypeId::of::<F>();
        let generations = self.generations;
        // What the first value is for: the server's render, or the browser's first read.
        let first_key = untrack(&key);
        let first_generation = generations.with_untracked(|g| g.of(scope));
        let resource = resource(
            move || (key(), generations.with(|g| g.of(scope))),
            move |(key, generation)| {
                let kept_or_fetch = match self.kept::<K, T>(scope, &key) {
                    Some(answer) => Ok(answer),
                    None => Err(fetcher(key.clone())),
                };
                async move {
                    match kept_or_fetch {
                        Ok(answer) => Ok(answer),
                        Err(fetch) => {
                            let value = fetch.await;
                            if let Ok(answer) = &value {
                                self.keep(scope, generation, key, answer.clone());
                            }
                            value
                        }
                    }
                }
            },
        );
        // The browser starts with the answers of the server's render, which no fetch of its
        // own kept: keep them when the page comes to life, under the key and in the
        // generation they were read for. (A sign-out may have changed the key, or cleared
        // the cache, since: then the answer is not kept. Nothing is tracked, so this runs
        // once; effects do not run on the server.)
        Effect::new(move || {
            if let Some(Ok(answer)) = resource.get_untracked() {
                if self.kept::<K, T>(scope, &first_key).is_none() {
                    self.keep(scope, first_generation, first_key.clone(), answer);
                }
            }
        });
        resource
    }

    /// Forgets `fetcher`'s answer for `key`; a page showing it reads it again.
    pub fn invalidate<F, K, T, E, Fut>(self, _fetcher: F, key: K)
    where
        F: Fn(K) -> Fut + 'static,
        K: Hash + Eq + Send + Sync + 'static,
        T: Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>>,
    {
        let scope = TypeId::of::<F>();
        self.answers.update_value(|answers| {
            if let Some(kept) = answers
                .get_mut(&scope)
                .and_then(|a| a.downcast_mut::<HashMap<K, T>>())
            {
                kept.remove(&key);
            }
        });
        self.bump(scope);
    }

    /// Forgets every answer of `fetcher`, whatever its key.
    pub fn invalidate_scope<F, K, Fut>(self, _fetcher: F)
    where
        F: Fn(K) -> Fut + 'static,
    {
        let scope = TypeId::of::<F>();
        self.answers.update_value(|answers| {
            answers.remove(&scope);
        });
        self.bump(scope);
    }

    /// Forgets everything: nothing read for one user may answer anyone after them.
    pub fn clear(self) {
        self.answers.update_value(Answers::clear);
        self.generations.update(|g| g.cleared += 1);
    }

    fn bump(self, scope: TypeId) {
        self.generations
            .update(|g| *g.invalidated.entry(scope).or_default() += 1);
    }

    fn kept<K, V>(self, scope: TypeId, key: &K) -> Option<V>
    where
        K: Hash + Eq + 'static,
        V: Clone + 'static,
    {
        self.answers.with_value(|answers| {
            answers
                .get(&scope)?
                .downcast_ref::<HashMap<K, V>>()?
                .get(key)
                .cloned()
        })
    }

    /// Keeps an answer fetched in `generation`, unless answers were forgotten since: a
    /// fetch that was under way when the user signed out must not refill the cache.
    fn keep<K, V>(self, scope: TypeId, generation: Generation, key: K, value: V)
    where
        K: Hash + Eq + Send + Sync + 'static,
        V: Send + Sync + 'static,
    {
        // On the server, the request may be gone (and its signals with it) by the time a
        // read finishes: then there is nothing to keep it for.
        if self.generations.try_with_untracked(|g| g.of(scope)) != Some(generation) {
            return;
        }
        self.answers.try_update_value(|answers| {
            if let Some(kept) = answers
                .entry(scope)
                .or_insert_with(|| Box::new(HashMap::<K, V>::new()))
                .downcast_mut::<HashMap<K, V>>()
            {
                kept.insert(key, value);
            }
        });
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    //! Each test has fetchers of its own: a fetcher's counter is a `static`, and tests run
    //! in parallel.

    use std::sync::atomic::{AtomicUsize, Ordering};

    use any_spawner::Executor;
    use leptos::prelude::*;
    use tokio::sync::Notify;

    use super::QueryClient;

    /// What the fetchers answer: a count of reads, or the error of a failed read.
    type Answer = Result<usize, String>;

    fn client() -> (Owner, QueryClient) {
        let _ = Executor::init_tokio();
        let owner = Owner::new();
        owner.set();
        (owner, QueryClient::provide())
    }

    fn ada() -> Option<String> {
        Some("ada".into())
    }

    /// A fetcher of its own, `$fetcher`, that counts its reads in `$reads` and answers
    /// with that count.
    macro_rules! counting_fetcher {
        ($fetcher:ident, $reads:ident) => {
            static $reads: AtomicUsize = AtomicUsize::new(0);
            async fn $fetcher(_user: Option<String>) -> Answer {
                Ok($reads.fetch_add(1, Ordering::SeqCst) + 1)
            }
        };
    }

    /// Lets the reactive system and the tasks run until `reads` has reached `n`, or gives up
    /// after a bounded number of turns (the test's assertion then says what is missing).
    async fn reads_reach(reads: &AtomicUsize, n: usize) {
        for _ in 0..10_000 {
            if reads.load(Ordering::SeqCst) >= n {
                return;
            }
            tokio::task::yield_now().await;
        }
    }

    counting_fetcher!(devices_of, DEVICE_READS);

    #[tokio::test]
    async fn a_query_shown_again_is_answered_from_the_cache_and_each_key_apart() {
        let (_owner, queries) = client();
        static READS: AtomicUsize = AtomicUsize::new(0);
        async fn drafts_of(user: Option<String>) -> Result<Vec<String>, String> {
            READS.fetch_add(1, Ordering::SeqCst);
            Ok(user
                .map(|u| vec![format!("draft of {u}")])
                .unwrap_or_default())
        }
        let first = queries.resource(drafts_of, ada).await;
        let again = queries.resource(drafts_of, ada).await;
        assert_eq!(first, again);
        assert_eq!(READS.load(Ordering::SeqCst), 1, "one request for one key");

        let other = queries
            .resource(drafts_of, || Some("grace".to_string()))
            .await;
        assert_eq!(other, Ok(vec!["draft of grace".to_string()]));
        assert_eq!(READS.load(Ordering::SeqCst), 2, "another key is read");
    }

    #[tokio::test]
    async fn invalidating_a_query_reads_it_again_and_leaves_the_others_cached() {
        let (_owner, queries) = client();
        counting_fetcher!(posts_of, READS);
        assert_eq!(queries.resource(posts_of, ada).await, Ok(1));
        queries.resource(devices_of, ada).await.ok();

        queries.invalidate(posts_of, ada());
        assert_eq!(queries.resource(posts_of, ada).await, Ok(2), "read again");
        queries.resource(devices_of, ada).await.ok();
        assert_eq!(
            DEVICE_READS.load(Ordering::SeqCst),
            1,
            "another query stays cached"
        );

        queries.invalidate_scope(posts_of);
        assert_eq!(
            queries.resource(posts_of, ada).await,
            Ok(3),
            "every key of it read again"
        );
    }

    /// What the devices list and the dashboard rely on: the resource on screen reads its
    /// query again by itself when an action forgets it.
    #[tokio::test]
    async fn a_resource_being_shown_reads_again_when_its_query_is_forgotten() {
        let (_owner, queries) = client();
        counting_fetcher!(sessions_of, READS);
        let shown = queries.resource(sessions_of, ada);
        // As a page shows it: something on screen reads it.
        Effect::new_isomorphic(move |_| shown.track());
        assert_eq!(shown.await, Ok(1));
        queries.invalidate(sessions_of, ada());
        reads_reach(&READS, 2).await;
        assert_eq!(shown.await, Ok(2), "after invalidate");
        queries.clear();
        reads_reach(&READS, 3).await;
        assert_eq!(shown.await, Ok(3), "after clear");
    }

    #[tokio::test]
    async fn clearing_forgets_every_answer() {
        let (_owner, queries) = client();
        counting_fetcher!(activity_of, READS);
        assert_eq!(queries.resource(activity_of, ada).await, Ok(1));
        queries.clear();
        assert_eq!(queries.resource(activity_of, ada).await, Ok(2));
        assert_eq!(
            queries.resource(activity_of, ada).await,
            Ok(2),
            "cached again after"
        );
    }

    #[tokio::test]
    async fn a_failed_read_is_not_kept() {
        let (_owner, queries) = client();
        static READS: AtomicUsize = AtomicUsize::new(0);
        async fn published(_: ()) -> Answer {
            match READS.fetch_add(1, Ordering::SeqCst) {
                0 => Err("the server is unreachable".into()),
                n => Ok(n + 1),
            }
        }
        assert!(queries.resource(published, || ()).await.is_err());
        assert_eq!(
            queries.resource(published, || ()).await,
            Ok(2),
            "tried again"
        );
        assert_eq!(queries.resource(published, || ()).await, Ok(2), "then kept");
    }

    /// The sign-out race: a read under way when the cache is cleared must not put the
    /// signed-out user's answer back into it when it arrives.
    #[tokio::test]
    async fn an_answer_that_arrives_after_a_clear_is_not_kept() {
        let (_owner, queries) = client();
        static GATE: Notify = Notify::const_new();
        static READS: AtomicUsize = AtomicUsize::new(0);
        async fn sessions_of(user: Option<String>) -> Answer {
            let _ = user;
            let n = READS.fetch_add(1, Ordering::SeqCst) + 1;
            if n == 1 {
                GATE.notified().await;
            }
            Ok(n)
        }
        let slow = queries.resource(sessions_of, ada);
        let under_way = tokio::spawn(async move { slow.await });
        reads_reach(&READS, 1).await;
        assert_eq!(
            READS.load(Ordering::SeqCst),
            1,
            "the slow read is under way"
        );
        queries.clear();
        GATE.notify_one();
        under_way.await.expect("the read finishes").ok();

        let after = queries.resource(sessions_of, ada).await;
        assert!(
            after.as_ref().is_ok_and(|n| *n >= 2),
            "the answer from before the clear was not kept: {after:?}"
        );
    }
}
