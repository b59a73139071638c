//! Calls to the JSON auth API from the browser. On the server these are never called
//! (event handlers do not run there), so that build only returns an error.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a call to the API did not succeed, in words a user can read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// The server answered with an error body.
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// The server could not be reached (offline, aborted, timed out).
    Network,
}

impl CallError {
    pub fn message(&self) -> String {
        match self {
            Self::Api { message, .. } => message.clone(),
            Self::Network => "The server could not be reached. Check your connection.".into(),
        }
    }
}

#[cfg(feature = "hydrate")]
pub async fn post_json<Req: Serialize, Resp: DeserializeOwned>(
    path: &str,
    body: &Req,
) -> Result<Resp, CallError> {
    use super::types::ApiErrorBody;
    let request = gloo_net::http::Request::post(path)
        .json(body)
        .map_err(|_| CallError::Network)?;
    let response = request.send().await.map_err(|_| CallError::Network)?;
    if response.ok() {
        response
            .json::<Resp>()
            .await
            .map_err(|_| CallError::Network)
    } else {
        let status = response.status();
        let body = response.json::<ApiErrorBody>().await.ok();
        Err(CallError::Api {
            status,
            code: body.as_ref().map(|b| b.error.clone()).unwrap_or_default(),
            message: body
                .map(|b| b.message)
                .unwrap_or_else(|| format!("The server answered {status}.")),
        })
    }
}

#[cfg(not(feature = "hydrate"))]
pub async fn post_json<Req: Serialize, Resp: DeserializeOwned>(
    _path: &str,
    _body: &Req,
) -> Result<Resp, CallError> {
    Err(CallError::Network)
}
