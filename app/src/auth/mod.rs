//! Authentication on the client side: the shared API types, the HTTP calls to the auth
//! API, and the reactive auth store.

pub mod client;
pub mod session;
pub mod store;
pub mod types;
