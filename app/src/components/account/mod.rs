//! The pieces of the profile page that manage the account and its sessions.

pub mod change_email;
pub mod change_password;
pub mod delete_account;
pub mod devices_list;
pub mod security_activity;
