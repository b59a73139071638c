//! The JSON exchanged by the auth API. Shared by the server and the WASM client so that
//! both sides agree on every field name.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// The signed-in user as the client may know it: nothing secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    pub user: UserView,
    pub session_id: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogoutRequest {
    #[serde(default, alias = "refresh_token")]
    pub refresh_token: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LogoutResponse {
    pub success: bool,
    pub message: String,
    /// Unix seconds.
    pub timestamp: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogoutAllRequest {
    #[serde(default, alias = "keep_current")]
    pub keep_current: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LogoutAllResponse {
    pub success: bool,
    pub message: String,
    pub revoked: usize,
    /// Unix seconds.
    pub timestamp: i64,
}

/// The error body of every failed API call.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub error: String,
    pub message: String,
}

/// One signed-in device in the user's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub id: String,
    /// "Chrome on Linux", parsed from the User-Agent.
    pub device: String,
    pub ip: Option<String>,
    pub created_at: i64,
    pub last_active_at: i64,
    /// The session of the request that asked.
    pub current: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeSessionRequest {
    pub session_id: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeEmailRequest {
    pub current_password: String,
    pub new_email: String,
}

/// The answer to any call that ends sessions.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionsEnded {
    pub success: bool,
    pub message: String,
    pub revoked: usize,
    /// Unix seconds.
    pub timestamp: i64,
}

/// One line of the "Recent security activity" list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityEntry {
    pub kind: String,
    pub at: i64,
    pub device: String,
    pub ip: Option<String>,
}

/// The push channel's reason for a session that its own device signed out (as opposed to
/// one ended from elsewhere). Also the stored `revoked_reason` of such a session.
pub const ENDED_BY_SIGN_OUT: &str = "sign_out";
