//! Server-only code: storage, tokens, sessions, revocation, audit, rate limits, the
//! services (`service`: one function per action, returning a typed outcome) and the JSON
//! API built on them. A crate of its own so that the compiler keeps the boundary: the
//! WASM build cannot depend on it, and nothing here can reach the UI.

pub mod access_grant;
pub mod account;
pub mod activity;
pub mod admin;
pub mod api;
pub mod audit;
pub mod authn;
pub mod bundle;
pub mod clock;
pub mod config;
pub mod db;
pub mod devices;
pub mod display_name;
pub mod error;
pub mod geo;
pub mod keys;
pub mod mail;
pub mod password;
pub mod posts;
pub mod profiles;
pub mod purge;
pub mod rate_limit;
pub mod reauth;
pub mod recovery;
pub mod revocation;
pub mod rotations;
pub mod secret;
pub mod service;
pub mod session_page;
pub mod sessions;
pub mod signin;
pub mod signout;
pub mod ssf;
pub mod state;
pub mod tail;
pub mod token_status;
pub mod tokens;
pub mod users;

pub use state::AppState;
