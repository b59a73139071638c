//! Reusable pieces of the UI.

pub mod auth_form;
pub mod header;
pub mod sign_out_button;
pub mod toasts;
