//! The whole UI and every server function. The types both sides share are the `wire`
//! crate's; server-only code is the `backend` crate's, a dependency only of the `ssr`
//! feature, so that it can never reach the WASM bundle. Server functions reach it through
//! `web_door`.

pub mod account;
pub mod admin;
pub mod app_error;
pub mod auth;
pub mod components;
pub mod format;
pub mod pages;
pub mod posts;
pub mod queries;
pub mod query_client;
pub mod resource;

#[cfg(feature = "ssr")]
pub mod web_door;

mod root;

pub use root::{shell, App};
