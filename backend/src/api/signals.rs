//! Beyond the app's walls: the published keys (`/.well-known/jwks.json`, RFC 7517) and
//! the Shared Signals transmitter (SSF 1.0): its configuration, the stream management of
//! a receiver (authenticated by the bearer secret `server ssf add-receiver` printed), and
//! the poll endpoint (RFC 8936).

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::keys::Jwks;
use crate::secret::Secret;
use crate::ssf::streams::{self, Delivery, Receiver, Status, Stream};
use crate::ssf::{self, outbox};
use crate::state::AppState;
use wire::ApiErrorBody;

pub const STREAMS_PATH: &str = "/ssf/streams";
pub const STATUS_PATH: &str = "/ssf/status";
pub const VERIFY_PATH: &str = "/ssf/verify";
pub const POLL_PATH: &str = "/ssf/poll";
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The public keys that verify access tokens and security events.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "signals",
    responses((status = 200, description = "RFC 7517 JWK Set: every key that may still verify, including one about to sign", body = Jwks)))]
pub async fn jwks(State(state): State<AppState>) -> Json<Jwks> {
    Json(state.keys.jwks())
}

#[derive(Serialize, ToSchema)]
pub struct AuthorizationScheme {
    spec_urn: &'static str,
}

/// SSF 1.0 §7.1: where a receiver finds everything else.
#[derive(Serialize, ToSchema)]
pub struct TransmitterConfiguration {
    spec_version: &'static str,
    /// The `iss` of every SET.
    issuer: String,
    jwks_uri: String,
    delivery_methods_supported: Vec<&'static str>,
    configuration_endpoint: String,
    status_endpoint: String,
    verification_endpoint: String,
    authorization_schemes: Vec<AuthorizationScheme>,
    /// Every user's events, without adding subjects one by one.
    default_subjects: &'static str,
}

#[utoipa::path(get, path = "/.well-known/ssf-configuration", tag = "signals",
    responses((status = 200, description = "SSF transmitter configuration metadata", body = TransmitterConfiguration)))]
pub async fn configuration(State(state): State<AppState>) -> Json<TransmitterConfiguration> {
    let issuer = state.config.app_origin.clone();
    let at = |path: &str| format!("{issuer}{path}");
    Json(TransmitterConfiguration {
        spec_version: "1_0",
        jwks_uri: at(JWKS_PATH),
        delivery_methods_supported: vec![ssf::PUSH, ssf::POLL],
        configuration_endpoint: at(STREAMS_PATH),
        status_endpoint: at(STATUS_PATH),
        verification_endpoint: at(VERIFY_PATH),
        authorization_schemes: vec![AuthorizationScheme {
            spec_urn: "urn:ietf:rfc:6750",
        }],
        default_subjects: "ALL",
        issuer,
    })
}

/// The receiver the bearer secret belongs to; anything else is a 401.
async fn receiver(state: &AppState, headers: &HeaderMap) -> ApiResult<Receiver> {
    let secret = crate::authn::bearer_token(headers).ok_or(ApiError::Unauthenticated)?;
    streams::receiver_by_secret(&state.db, &Secret::new(secret))
        .await?
        .ok_or(ApiError::Unauthenticated)
}

/// The receiver's own stream named `stream_id`; another's or none is a 404.
async fn own_stream(state: &AppState, receiver: &Receiver, stream_id: &str) -> ApiResult<Stream> {
    streams::of_receiver(&state.db, &receiver.id)
        .await?
        .filter(|s| s.id == stream_id)
        .ok_or(ApiError::NotFound)
}

#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRequest {
    /// `urn:ietf:rfc:8935` (push) or `urn:ietf:rfc:8936` (poll).
    method: String,
    /// Push only: where SETs are POSTed; https, or http on a loopback address.
    endpoint_url: Option<String>,
    /// Push only: sent as the `Authorization` header of each push.
    authorization_header: Option<String>,
}

impl DeliveryRequest {
    fn validate(self) -> ApiResult<Delivery> {
        match self.method.as_str() {
            ssf::POLL => Ok(Delivery::Poll),
            ssf::PUSH => {
                let url = self.endpoint_url.ok_or_else(|| {
                    ApiError::InvalidInput("push delivery needs an endpoint_url".into())
                })?;
                check_endpoint(&url)?;
                if let Some(auth) = &self.authorization_header {
                    if auth.len() > 1024 || auth.chars().any(|c| c.is_control()) {
                        return Err(ApiError::InvalidInput(
                            "authorization_header is not a valid header value".into(),
                        ));
                    }
                }
                Ok(Delivery::Push {
                    endpoint_url: url,
                    authorization: self.authorization_header,
                })
            }
            other => Err(ApiError::InvalidInput(format!(
                "unsupported delivery method {other:?}; use {} or {}",
                ssf::PUSH,
                ssf::POLL
            ))),
        }
    }
}

/// The push `Authorization` header is the receiver's credential: sealed before it is
/// stored (bound to its stream), opened only to push (`ssf::push`).
fn seal_delivery(state: &AppState, stream_id: &str, delivery: Delivery) -> ApiResult<Delivery> {
    Ok(match delivery {
        Delivery::Push {
            endpoint_url,
            authorization: Some(header),
        } => Delivery::Push {
            endpoint_url,
            authorization: Some(
                state
                    .keys
                    .sealer()
                    .seal(stream_id, header.as_bytes())
                    .map_err(ApiError::Internal)?,
            ),
        },
        other => other,
    })
}

/// https anywhere; plain http only to this machine (a receiver on loopback).
fn check_endpoint(url: &str) -> ApiResult<()> {
    let bad = |why: &str| ApiError::InvalidInput(format!("endpoint_url {why}"));
    if url.len() > 2048 {
        return Err(bad("is too long"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| bad("is not a URL"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(bad("has no host")),
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(bad("must be https (plain http only on a loopback address)")),
    }
}

fn check_events(events: &[String]) -> ApiResult<()> {
    if events.len() > 20 || events.iter().any(|e| e.len() > 200) {
        return Err(ApiError::InvalidInput(
            "events_requested is too long".into(),
        ));
    }
    Ok(())
}

fn check_description(description: &Option<String>) -> ApiResult<()> {
    match description {
        Some(d) if d.chars().count() > 200 => Err(ApiError::InvalidInput(
            "description is at most 200 characters".into(),
        )),
        _ => Ok(()),
    }
}

#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStream {
    delivery: DeliveryRequest,
    /// Event type URIs; unsupported ones are ignored (see `events_delivered`). Absent:
    /// every supported type.
    events_requested: Option<Vec<String>>,
    description: Option<String>,
}

#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStream {
    stream_id: String,
    delivery: Option<DeliveryRequest>,
    events_requested: Option<Vec<String>>,
    description: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryConfiguration {
    method: &'static str,
    /// Push: the receiver's endpoint. Poll: where to poll.
    endpoint_url: String,
}

/// SSF §8.1.1: a stream's configuration.
#[derive(Serialize, ToSchema)]
pub struct StreamConfiguration {
    stream_id: String,
    iss: String,
    /// The receiver's name.
    aud: String,
    delivery: DeliveryConfiguration,
    events_supported: Vec<&'static str>,
    events_requested: Vec<String>,
    events_delivered: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

fn configuration_of(state: &AppState, stream: Stream) -> StreamConfiguration {
    let issuer = state.config.app_origin.clone();
    let endpoint_url = match &stream.delivery {
        Delivery::Push { endpoint_url, .. } => endpoint_url.clone(),
        Delivery::Poll => format!("{issuer}{POLL_PATH}/{}", stream.id),
    };
    StreamConfiguration {
        delivery: DeliveryConfiguration {
            method: stream.delivery.method(),
            endpoint_url,
        },
        events_supported: ssf::SUPPORTED.to_vec(),
        events_delivered: stream.events_delivered(),
        events_requested: stream.events_requested,
        description: stream.description,
        aud: stream.receiver.name,
        stream_id: stream.id,
        iss: issuer,
    }
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct StreamQuery {
    stream_id: Option<String>,
}

/// Creates the receiver's stream (one per receiver).
#[utoipa::path(post, path = "/ssf/streams", tag = "signals", request_body = CreateStream,
    security(("receiver_secret" = [])),
    responses(
        (status = 201, description = "the stream's configuration", body = StreamConfiguration),
        (status = 400, description = "a bad delivery method, endpoint or body", body = ApiErrorBody),
        (status = 401, description = "no or an unknown receiver secret", body = ApiErrorBody),
        (status = 409, description = "the receiver already has a stream", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
    ))]
pub async fn create_stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<CreateStream>,
) -> ApiResult<Response> {
    let receiver = receiver(&state, &headers).await?;
    let delivery = input.delivery.validate()?;
    let events = input
        .events_requested
        .unwrap_or_else(|| ssf::SUPPORTED.iter().map(|e| e.to_string()).collect());
    check_events(&events)?;
    check_description(&input.description)?;
    let now = state.clock.now();
    let id = crate::db::new_id();
    let delivery = seal_delivery(&state, &id, delivery)?;
    let created = streams::create(
        &state.db,
        &id,
        &receiver,
        &delivery,
        &events,
        input.description.as_deref(),
        now,
    )
    .await?
    .ok_or(ApiError::StreamExists)?;
    Ok((StatusCode::CREATED, Json(configuration_of(&state, created))).into_response())
}

/// The receiver's stream (with `stream_id`), or a list of its streams (without).
#[utoipa::path(get, path = "/ssf/streams", tag = "signals", params(StreamQuery),
    security(("receiver_secret" = [])),
    responses(
        (status = 200, description = "one configuration, or an array of them", body = StreamConfiguration),
        (status = 401, description = "no or an unknown receiver secret", body = ApiErrorBody),
        (status = 404, description = "no such stream of this receiver", body = ApiErrorBody),
    ))]
pub async fn read_stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> ApiResult<Response> {
    let receiver = receiver(&state, &headers).await?;
    Ok(match query.stream_id {
        Some(id) => {
            let stream = own_stream(&state, &receiver, &id).await?;
            Json(configuration_of(&state, stream)).into_response()
        }
        None => {
            let all: Vec<_> = streams::of_receiver(&state.db, &receiver.id)
                .await?
                .into_iter()
                .map(|s| configuration_of(&state, s))
                .collect();
            Json(all).into_response()
        }
    })
}

/// Changes the delivery, the events requested or the description.
#[utoipa::path(patch, path = "/ssf/streams", tag = "signals", request_body = UpdateStream,
    security(("receiver_secret" = [])),
    responses(
        (status = 200, description = "the updated configuration", body = StreamConfiguration),
        (status = 400, description = "a bad delivery method, endpoint or body", body = ApiErrorBody),
        (status = 401, description = "no or an unknown receiver secret", body = ApiErrorBody),
        (status = 404, description = "no such stream of this receiver", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
    ))]
pub async fn update_stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<UpdateStream>,
) -> ApiResult<Json<StreamConfiguration>> {
    let receiver = receiver(&state, &headers).await?;
    let mut stream = own_stream(&state, &receiver, &input.stream_id).await?;
    if let Some(delivery) = input.delivery {
        stream.delivery = seal_delivery(&state, &stream.id, delivery.validate()?)?;
    }
    if let Some(events) = input.events_requested {
        check_events(&events)?;
        stream.events_requested = events;
    }
    if input.description.is_some() {
        check_description(&input.description)?;
        stream.description = input.description;
    }
    streams::update(&state.db, &stream).await?;
    state.ssf_wakes.committed();
    Ok(Json(configuration_of(&state, stream)))
}

/// Deletes the stream and the events it had not received.
#[utoipa::path(delete, path = "/ssf/streams", tag = "signals", params(StreamQuery),
    security(("receiver_secret" = [])),
    responses(
        (status = 204, description = "deleted"),
        (status = 400, description = "no stream_id", body = ApiErrorBody),
        (status = 401, description = "no or an unknown receiver secret", body = ApiErrorBody),
        (status = 404, description = "no such stream of this receiver", body = ApiErrorBody),
    ))]
pub async fn delete_stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> ApiResult<StatusCode> {
    let receiver = receiver(&state, &headers).await?;
    let id = query
        .stream_id
        .ok_or_else(|| ApiError::InvalidInput("stream_id is required".into()))?;
    let stream = own_stream(&state, &receiver, &id).await?;
    streams::delete(&state.db, &stream.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StreamStatus {
    stream_id: String,
    /// `enabled`, `paused` (events are kept) or `disabled` (events are dropped).
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct StatusQuery {
    /// Required (optional in the type so that its absence is a JSON 400 like any other).
    stream_id: Option<String>,
}

#[utoipa::path(get, path = "/ssf/status", tag = "signals", params(StatusQuery),
    security(("receiver_secret" = [])),
    responses(
        (status = 200, description = "the stream's status", body = StreamStatus),
        (status = 400, description = "no stream_id", body = ApiErrorBody),
        (status = 401, description = "no or an unknown receiver secret", body = ApiErrorBody),
        (status = 404, description = "no such stream of this receiver", body = ApiErrorBody),
    ))]
pub async fn read_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<StatusQuery>,
) -> ApiResult<Json<StreamStatus>> {
    let receiver = receiver(&state, &headers).await?;
    let stream_id = query
        .stream_id
        .ok_or_else(|| ApiError::InvalidInput("stream_id is required".into()))?;
    let stream = own_stream(&state, &receiver, &stream_id).await?;
    Ok(Json(StreamStatus {
        stream_id: stream.id,
        status: stream.status.as_str().into(),
        reason: stream.status_reason,
    }))
}

#[utoipa::path(post, path = "/ssf/status", tag = "signals", request_body = StreamStatus,
    security(("receiver_secret" = [])),
    responses(
        (status = 200, description = "the stream's new status", body = StreamStatus),
        (status = 400, description = "an unknown status or a bad body", body = ApiErrorBody),
        (status = 401, description = "no or an unknown receiver secret", body = ApiErrorBody),
        (status = 404, description = "no such stream of this receiver", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
    ))]
pub async fn update_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<StreamStatus>,
) -> ApiResult<Json<StreamStatus>> {
    let receiver = receiver(&state, &headers).await?;
    let stream = own_stream(&state, &receiver, &input.stream_id).await?;
    let status = Status::parse(&input.status).ok_or_else(|| {
        ApiError::InvalidInput("status is one of enabled, paused, disabled".into())
    })?;
    if input
        .reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > 200)
    {
        return Err(ApiError::InvalidInput(
            "reason is at most 200 characters".into(),
        ));
    }
    streams::set_status(&state.db, &stream.id, status, input.reason.as_deref()).await?;
    state.ssf_wakes.committed();
    Ok(Json(StreamStatus {
        stream_id: stream.id,
        status: status.as_str().into(),
        reason: input.reason,
    }))
}

#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationRequest {
    stream_id: String,
    /// Comes back in the verification event, as it was sent.
    state: Option<String>,
}

/// SSF §8.1.4: asks for a verification event on the stream.
#[utoipa::path(post, path = "/ssf/verify", tag = "signals", request_body = VerificationRequest,
    security(("receiver_secret" = [])),
    responses(
        (status = 204, description = "a verification event is on its way"),
        (status = 400, description = "a bad body", body = ApiErrorBody),
        (status = 401, description = "no or an unknown receiver secret", body = ApiErrorBody),
        (status = 404, description = "no such stream of this receiver", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
    ))]
pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<VerificationRequest>,
) -> ApiResult<StatusCode> {
    let receiver = receiver(&state, &headers).await?;
    let stream = own_stream(&state, &receiver, &input.stream_id).await?;
    if input.state.as_ref().is_some_and(|s| s.len() > 256) {
        return Err(ApiError::InvalidInput("state is at most 256 bytes".into()));
    }
    let now = state.clock.now();
    let event = ssf::events::verification(&stream.id, input.state.as_deref(), now);
    let mut conn = state.db.acquire().await?;
    outbox::insert(&mut conn, &stream.id, &event, now).await?;
    state.ssf_wakes.committed();
    Ok(StatusCode::NO_CONTENT)
}

/// The longest a poll waits for events when asked to (`returnImmediately: false`), well
/// inside the request timeout.
const LONG_POLL: Duration = Duration::from_secs(20);

/// At most this many SETs per answer: acknowledging them all (about 40 bytes a `jti`)
/// must fit in the API's 16 KiB body limit.
const MAX_EVENTS: usize = 300;

#[derive(Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PollRequest {
    /// The `jti`s of SETs received and handled since the last poll.
    #[serde(default)]
    ack: Vec<String>,
    /// SETs the receiver refused (RFC 8936 §2.4), by `jti`: they are not sent again.
    #[serde(default)]
    set_errs: std::collections::BTreeMap<String, serde_json::Value>,
    max_events: Option<usize>,
    #[serde(default)]
    return_immediately: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PollResponse {
    /// `jti` → the SET.
    sets: serde_json::Map<String, serde_json::Value>,
    more_available: bool,
}

/// RFC 8936: acknowledges, then returns the stream's waiting SETs, oldest first; waits
/// for some when there are none and the receiver asks it to.
#[utoipa::path(post, path = "/ssf/poll/{stream_id}", tag = "signals", request_body = PollRequest,
    params(("stream_id" = String, Path, description = "the poll stream")),
    security(("receiver_secret" = [])),
    responses(
        (status = 200, description = "the SETs, keyed by jti", body = PollResponse),
        (status = 400, description = "a bad body, or a push stream", body = ApiErrorBody),
        (status = 401, description = "no or an unknown receiver secret", body = ApiErrorBody),
        (status = 404, description = "no such stream of this receiver", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
    ))]
pub async fn poll(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(stream_id): Path<String>,
    JsonBody(input): JsonBody<PollRequest, true>,
) -> ApiResult<Json<PollResponse>> {
    let receiver = receiver(&state, &headers).await?;
    let stream = own_stream(&state, &receiver, &stream_id).await?;
    if stream.delivery != Delivery::Poll {
        return Err(ApiError::InvalidInput(
            "this stream is delivered by push".into(),
        ));
    }
    if input.ack.len() + input.set_errs.len() > 2 * MAX_EVENTS {
        return Err(ApiError::InvalidInput(
            "too many acknowledgements at once".into(),
        ));
    }
    for jti in input.ack.iter().chain(input.set_errs.keys()) {
        outbox::remove(&state.db, &stream.id, jti).await?;
    }
    for (jti, error) in &input.set_errs {
        tracing::warn!(stream_id = %stream.id, %jti, %error, "a receiver refused an event");
    }
    let limit = input.max_events.unwrap_or(100).min(MAX_EVENTS);
    // Subscribed before the first look, so that an event committed in between wakes us.
    let mut revoked = state.revocations.subscribe();
    let mut committed = state.ssf_wakes.poll_waiter();
    let deadline = tokio::time::Instant::now() + LONG_POLL;
    loop {
        let answer = waiting_sets(&state, &stream, limit).await?;
        if !answer.sets.is_empty() || input.return_immediately || limit == 0 {
            return Ok(Json(answer));
        }
        tokio::select! {
            _ = revoked.recv() => {}
            _ = committed.recv() => {}
            _ = tokio::time::sleep_until(deadline) => return Ok(Json(answer)),
        }
    }
}

async fn waiting_sets(state: &AppState, stream: &Stream, limit: usize) -> ApiResult<PollResponse> {
    let mut sets = serde_json::Map::new();
    if stream.status != Status::Enabled {
        // Paused: kept until it is enabled again.
        return Ok(PollResponse {
            sets,
            more_available: false,
        });
    }
    let mut pending = outbox::oldest(&state.db, &stream.id, limit as i64 + 1).await?;
    let more_available = pending.len() > limit;
    pending.truncate(limit);
    let now = state.clock.now();
    for event in pending {
        let claims = outbox::compose(&event, &state.config.app_origin, &stream.receiver.name);
        let set = state.keys.sign_security_event(&claims, now)?;
        sets.insert(event.jti, set.into());
    }
    Ok(PollResponse {
        sets,
        more_available,
    })
}

#[cfg(test)]
mod tests {
    use super::check_endpoint;

    #[test]
    fn push_endpoints_are_https_or_loopback_http() {
        for ok in [
            "https://receiver.example/events",
            "http://127.0.0.1:4000/ssf/events",
            "http://[::1]:4000/e",
            "http://localhost:9/e",
        ] {
            assert!(check_endpoint(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://receiver.example/events",
            "http://10.0.0.1/e",
            "ftp://127.0.0.1/e",
            "not a url",
            "https://",
        ] {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
    }
}
