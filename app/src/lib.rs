//! The whole UI and every server function. Server-only code lives in `backend`, behind
//! the `ssr` feature, so that it can never reach the WASM bundle.

pub mod account;
pub mod app_error;
pub mod auth;
pub mod components;
pub mod format;
pub mod pages;
pub mod posts;
pub mod queries;
pub mod query_client;
pub mod routes;
pub mod rules;
pub mod wire;

#[cfg(feature = "ssr")]
pub mod backend;

mod root;

pub use root::{shell, App};
