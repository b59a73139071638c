//! A live revocation entry costs at most about 300 bytes, so that a process can hold the
//! revocations of a busy access-token lifetime. Measured with a counting allocator (which
//! is why this is a test binary of its own).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use backend::db::new_id;
use backend::revocation::{Revocation, RevocationView};
use backend::tokens::random_token;

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const ENTRIES: usize = 50_000;
const BUDGET: isize = 300;

/// Bytes per entry that applying `revocations` adds to a fresh view.
fn bytes_per_entry(revocations: &[Revocation]) -> isize {
    let view = RevocationView::default();
    let before = LIVE_BYTES.load(Ordering::Relaxed);
    for revocation in revocations {
        view.apply(revocation);
    }
    let added = LIVE_BYTES.load(Ordering::Relaxed) - before;
    assert_eq!(view.len(), revocations.len());
    added / revocations.len() as isize
}

#[test]
fn every_kind_of_live_entry_fits_the_budget() {
    let sessions: Vec<Revocation> = (0..ENTRIES)
        .map(|_| Revocation::Session {
            session_id: new_id(),
            forget_after: 1_000,
        })
        .collect();
    let tokens: Vec<Revocation> = (0..ENTRIES)
        .map(|_| Revocation::AccessToken {
            jti: random_token(16),
            forget_after: 1_000,
        })
        .collect();
    let users: Vec<Revocation> = (0..ENTRIES)
        .map(|_| Revocation::UserVersion {
            user_id: new_id(),
            version: 7,
            kept_session: Some(new_id()),
            forget_after: 1_000,
        })
        .collect();
    for (kind, revocations) in [("session", sessions), ("jti", tokens), ("user", users)] {
        let bytes = bytes_per_entry(&revocations);
        assert!(bytes <= BUDGET, "a {kind} entry costs {bytes} bytes");
        println!("{kind}: {bytes} bytes per entry");
    }
}
