//! Reusable pieces of the UI.

pub mod account;
pub mod auth_form;
pub mod confirm_dialog;
pub mod edit_post;
pub mod field;
pub mod header;
pub mod page_focus;
pub mod reauth_dialog;
pub mod require_auth;
pub mod server_form;
pub mod sign_out_button;
pub mod toasts;
