//! Authentication on the client side: the shared API types, the HTTP calls to the auth
//! API, the reactive auth store, and the sign-in and sign-out flows.

pub mod browser;
pub mod client;
pub mod flows;
pub mod runtime;
pub mod session;
pub mod store;
pub mod types;
