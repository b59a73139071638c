//! Setting up our event stream at the auth server (SSF 1.0 §8.1.1): read its SSF
//! configuration, then point the receiver's one stream at us: reuse it (PATCH) if it
//! exists, as after a restart, or create it (POST).

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

use super::set::{CREDENTIAL_CHANGE, IDENTIFIER_CHANGED, SESSION_REVOKED};
use crate::config::Secret;

pub const PUSH_METHOD: &str = "urn:ietf:rfc:8935";
pub const POLL_METHOD: &str = "urn:ietf:rfc:8936";
pub const EVENTS_REQUESTED: [&str; 3] = [SESSION_REVOKED, CREDENTIAL_CHANGE, IDENTIFIER_CHANGED];

/// The parts of `/.well-known/ssf-configuration` this service uses.
#[derive(Clone, Debug, Deserialize)]
pub struct SsfConfiguration {
    /// The `iss` of every SET.
    pub issuer: String,
    pub configuration_endpoint: String,
    #[serde(default)]
    pub delivery_methods_supported: Vec<String>,
}

/// A stream as the auth server describes it.
#[derive(Clone, Debug, Deserialize)]
pub struct StreamConfiguration {
    pub stream_id: String,
    pub delivery: DeliveryConfiguration,
    #[serde(default)]
    pub events_delivered: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DeliveryConfiguration {
    pub method: String,
    /// For poll delivery, the URL we poll.
    pub endpoint_url: Option<String>,
}

/// The delivery we ask for.
pub enum DeliveryRequest<'a> {
    /// Push to `endpoint_url`, presenting `authorization` (the whole header value).
    Push {
        endpoint_url: &'a str,
        authorization: &'a Secret,
    },
    Poll,
}

impl DeliveryRequest<'_> {
    fn method(&self) -> &'static str {
        match self {
            Self::Push { .. } => PUSH_METHOD,
            Self::Poll => POLL_METHOD,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Push {
                endpoint_url,
                authorization,
            } => json!({
                "method": PUSH_METHOD,
                "endpoint_url": endpoint_url,
                "authorization_header": authorization.expose(),
            }),
            Self::Poll => json!({ "method": POLL_METHOD }),
        }
    }
}

/// Why the stream could not be set up.
#[derive(Debug)]
pub enum SetupError {
    /// Retrying will not help: the operator must fix the configuration.
    Rejected(String),
    /// The auth server is down, or answered oddly: try again later.
    Unavailable(anyhow::Error),
}

impl From<reqwest::Error> for SetupError {
    fn from(err: reqwest::Error) -> Self {
        Self::Unavailable(err.into())
    }
}

pub async fn discover(
    http: &reqwest::Client,
    signout_url: &str,
) -> Result<SsfConfiguration, SetupError> {
    let url = format!("{signout_url}/.well-known/ssf-configuration");
    let response = http.get(&url).send().await?;
    if !response.status().is_success() {
        return Err(SetupError::Unavailable(anyhow::anyhow!(
            "{url} answered {}",
            response.status()
        )));
    }
    Ok(response.json().await?)
}

/// Points the receiver's stream at us and returns it as the auth server now describes it.
pub async fn subscribe(
    http: &reqwest::Client,
    ssf: &SsfConfiguration,
    receiver_secret: &Secret,
    delivery: DeliveryRequest<'_>,
) -> Result<StreamConfiguration, SetupError> {
    if !ssf
        .delivery_methods_supported
        .iter()
        .any(|m| m == delivery.method())
    {
        return Err(SetupError::Rejected(format!(
            "the auth server does not offer the delivery method {} (SSF_DELIVERY)",
            delivery.method()
        )));
    }
    let call = |method: Method, body: Option<Value>| {
        let request = http
            .request(method, &ssf.configuration_endpoint)
            .bearer_auth(receiver_secret.expose());
        send(match body {
            Some(body) => request.json(&body),
            None => request,
        })
    };
    // Two rounds: a POST may lose a race with another instance of us (409), after which the
    // stream exists and is reused.
    for _ in 0..2 {
        let streams: Vec<StreamConfiguration> =
            parse(call(Method::GET, None).await?, StatusCode::OK)?;
        let (answer, expected) = match streams.first() {
            Some(existing) => {
                tracing::info!(stream_id = %existing.stream_id, "reusing the receiver's stream");
                let body = json!({
                    "stream_id": existing.stream_id,
                    "delivery": delivery.to_json(),
                    "events_requested": EVENTS_REQUESTED,
                });
                (call(Method::PATCH, Some(body)).await?, StatusCode::OK)
            }
            None => {
                let body = json!({
                    "delivery": delivery.to_json(),
                    "events_requested": EVENTS_REQUESTED,
                    "description": "notes-api",
                });
                let answer = call(Method::POST, Some(body)).await?;
                if answer.0 == StatusCode::CONFLICT {
                    continue;
                }
                (answer, StatusCode::CREATED)
            }
        };
        let stream: StreamConfiguration = parse(answer, expected)?;
        if !stream.events_delivered.iter().any(|e| e == SESSION_REVOKED) {
            tracing::warn!(delivered = ?stream.events_delivered, "the stream does not deliver session-revoked");
        }
        return Ok(stream);
    }
    Err(SetupError::Unavailable(anyhow::anyhow!(
        "the stream was created and removed concurrently"
    )))
}

async fn send(request: reqwest::RequestBuilder) -> Result<(StatusCode, String), SetupError> {
    let response = request.send().await?;
    Ok((response.status(), response.text().await?))
}

fn parse<T: serde::de::DeserializeOwned>(
    (status, body): (StatusCode, String),
    expected: StatusCode,
) -> Result<T, SetupError> {
    match status {
        s if s == expected => serde_json::from_str(&body)
            .map_err(|err| SetupError::Unavailable(anyhow::anyhow!("unexpected stream configuration: {err}"))),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(SetupError::Rejected(
            "the auth server refused SSF_RECEIVER_SECRET (run `server ssf add-receiver NAME` and use the secret it prints)".into(),
        )),
        StatusCode::BAD_REQUEST => Err(SetupError::Rejected(format!("the auth server refused our stream request: {body}"))),
        other => Err(SetupError::Unavailable(anyhow::anyhow!("the stream endpoint answered {other}"))),
    }
}
