//! The OpenAPI document at `/api/openapi.json` describes exactly the HTTP API the router
//! serves: every API route of the real router is in it, and everything in it is routed.

use std::collections::BTreeSet;

use backend::clock::Clock;
use backend::AppState;
use leptos::config::LeptosOptions;
use reqwest::{Method, StatusCode};
use server::openapi;

use crate::harness::{fresh_database, send, spawn_app, test_config, Backend};

/// The paths under which the router serves the HTTP API (pages are not API).
fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/.well-known/") || path.starts_with("/ssf/")
}

/// Every path of the real router. axum has no API to list routes; its `Debug` output
/// holds each route's path as `RouteId(n): "/path"`, which is read here. If that format
/// changes, `the_router_is_read_whole` fails rather than this test passing on nothing.
fn router_paths(router: &axum::Router) -> BTreeSet<String> {
    let debug = format!("{router:?}");
    debug
        .split("RouteId(")
        .skip(1)
        .filter_map(|rest| {
            let (_, after) = rest.split_once("): \"")?;
            let (path, _) = after.split_once('"')?;
            Some(path.to_owned())
        })
        .collect()
}

async fn real_router() -> axum::Router {
    let config = test_config(fresh_database(Backend::Sqlite).await);
    let options = LeptosOptions::builder()
        .output_name("signout")
        .site_root("target/site")
        .build();
    let state = AppState::start(config, Clock::frozen(), options)
        .await
        .expect("state");
    server::router(state)
}

/// (path, method) of every operation in the document.
fn documented_operations() -> BTreeSet<(String, Method)> {
    let doc = serde_json::to_value(openapi::document()).unwrap();
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
            operations.insert((path.clone(), method));
        }
    }
    operations
}

#[tokio::test]
async fn the_router_is_read_whole() {
    let paths = router_paths(&real_router().await);
    // A few routes of each kind that must be found: axum handlers, the push channel,
    // server functions and pages.
    for path in [
        "/api/auth/login",
        "/api/auth/events",
        "/api/posts/mine",
        "/.well-known/oauth-authorization-server",
        "/login",
    ] {
        assert!(paths.contains(path), "{path} not found in {paths:?}");
    }
}

#[tokio::test]
async fn every_api_route_is_documented_and_every_documented_path_is_routed() {
    let routed: BTreeSet<String> = router_paths(&real_router().await)
        .into_iter()
        .filter(|p| is_api_path(p))
        // Catch-alls answer 404 for what does not exist; they are not endpoints.
        .filter(|p| !p.contains("{*"))
        .collect();
    let documented: BTreeSet<String> = documented_operations()
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routed but not in the OpenAPI document: {undocumented:?} (an axum handler gets \
         `#[utoipa::path]` and `routes!` in backend/api/mod.rs; a server function gets a \
         stub in backend/api/openapi/server_fns.rs)"
    );
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
}

#[test]
fn server_functions_are_documented_with_their_methods() {
    let documented = documented_operations();
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        let method = Method::from_bytes(method.as_str().as_bytes()).unwrap();
        assert!(
            documented.contains(&(path.to_owned(), method.clone())),
            "the server function {method} {path} has no entry in \
             backend/api/openapi/server_fns.rs"
        );
    }
}

/// Each documented operation, sent with its method and no credentials, reaches a handler:
/// neither the catch-all's 404 nor a 405.
#[tokio::test]
async fn every_documented_operation_answers_its_method() {
    let app = spawn_app(Backend::Sqlite).await;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    for (path, method) in documented_operations() {
        let reply = send(&http, method.clone(), &app.url(&path), &[], None).await;
        assert!(
            ![StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED].contains(&reply.status),
            "{method} {path}: {} {}",
            reply.status,
            reply.body
        );
    }
}

#[tokio::test]
async fn the_served_document_is_openapi_3_1_with_schemas_and_error_bodies() {
    let app = spawn_app(Backend::Sqlite).await;
    let reply = app.browser().get(openapi::DOCUMENT_PATH).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.json,
        serde_json::to_value(openapi::document()).unwrap()
    );
    assert_eq!(reply.json["openapi"], "3.1.0");
    let schemas = &reply.json["components"]["schemas"];
    for name in [
        "ApiErrorBody",
        "OAuthErrorBody",
        "TokenResponse",
        "SignedIn",
    ] {
        assert!(schemas.get(name).is_some(), "no schema {name}");
    }
    let token_errors = &reply.json["paths"]["/api/auth/token"]["post"]["responses"]["400"];
    assert_eq!(
        token_errors["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/OAuthErrorBody"
    );
    let form = &reply.json["paths"]["/api/auth/token"]["post"]["requestBody"]["content"];
    assert!(form.get("application/x-www-form-urlencoded").is_some());
}
