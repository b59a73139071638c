//! The Shared Signals (SSF 1.0) receiver: stream setup, the two deliveries, SET checks.

pub mod poll;
pub mod push;
pub mod set;
pub mod stream;
