//! Authentication in the web client: the auth actions as server functions, the calls to
//! them with the one refresh-and-retry rule, the reactive auth store, and the sign-in and
//! sign-out flows.

pub mod actions;
pub mod browser;
pub mod client;
pub mod flows;
pub mod runtime;
pub mod session;
pub mod step_up;
pub mod store;
