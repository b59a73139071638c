//! Standard OAuth 2.0 for API clients, so that off-the-shelf client libraries work
//! unchanged: discovery (RFC 8414), the token endpoint (RFC 6749), revocation (RFC 7009)
//! and introspection (RFC 7662). One error type for all of them (`OAuthError`).

mod error;
pub mod introspect;
pub mod metadata;
mod params;
pub mod revoke;
pub mod token;

pub use error::OAuthErrorBody;
