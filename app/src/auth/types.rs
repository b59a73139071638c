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
