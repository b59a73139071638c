//! Standard OAuth 2.0 for API clients: discovery (RFC 8414), form-encoded token requests
//! and their errors (RFC 6749), revocation (RFC 7009) and introspection (RFC 7662).

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{
    basic_auth, spawn_app, spawn_app_with, spawn_on, with_introspection, Backend, Reply, TestApp,
    PASSWORD,
};
use crate::on_both_databases;

on_both_databases!(
    discovery_names_the_endpoints_under_the_origin_asked,
    a_form_password_grant_takes_username_client_id_and_scope,
    form_errors_are_those_of_rfc_6749_section_5_2,
    revoking_a_refresh_token_ends_its_session_at_once,
    revoking_an_access_token_ends_its_refresh_token_too,
    the_token_type_hint_is_only_a_hint,
    revoking_an_unknown_forged_or_revoked_token_is_200_and_ends_nothing_else,
    an_unsupported_hint_or_a_missing_token_revokes_nothing,
    a_flood_of_made_up_tokens_never_blocks_a_real_revocation,
    a_revocation_on_one_process_is_enforced_by_another,
    introspection_is_only_for_the_configured_resource_server,
    introspection_reports_active_tokens_with_the_standard_fields,
    introspection_says_only_inactive_for_revoked_expired_rotated_or_forged_tokens,
);

/// Form fields, in the order sent.
type Form<'a> = Vec<(&'a str, &'a str)>;

/// Tokens from a form-encoded password grant, as a standard client asks for them.
async fn form_tokens(app: &TestApp, email: &str) -> (String, String) {
    let res = app
        .post_form(
            "/api/auth/token",
            &[],
            &[
                ("grant_type", "password"),
                ("username", email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    (
        res.json["access_token"].as_str().unwrap().to_owned(),
        res.json["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn refresh_grant(app: &TestApp, refresh: &str) -> Reply {
    app.post_form(
        "/api/auth/token",
        &[],
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await
}

fn assert_oauth_error(res: &Reply, status: StatusCode, code: &str, case: &str) {
    assert_eq!(res.status, status, "{case}: {}", res.body);
    assert_eq!(res.json["error"], code, "{case}");
    assert!(
        res.json["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{case}: {}",
        res.body
    );
    assert_eq!(res.header("cache-control"), Some("no-store"), "{case}");
    assert_eq!(res.header("pragma"), Some("no-cache"), "{case}");
}

async fn discovery_names_the_endpoints_under_the_origin_asked(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .browser()
        .get("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let issuer = format!("http://{}", app.addr);
    assert_eq!(res.json["issuer"], issuer.as_str());
    let endpoint = |name: &str| res.json[name].as_str().unwrap().to_owned();
    assert_eq!(
        endpoint("token_endpoint"),
        format!("{issuer}/api/auth/token")
    );
    assert_eq!(
        endpoint("revocation_endpoint"),
        format!("{issuer}/api/auth/revoke")
    );
    assert_eq!(
        endpoint("introspection_endpoint"),
        format!("{issuer}/api/auth/introspect")
    );
    assert_eq!(
        res.json["grant_types_supported"],
        json!(["password", "refresh_token"])
    );
    assert_eq!(
        res.json["token_endpoint_auth_methods_supported"],
        json!(["none"])
    );

    // Behind a proxy, the configured public origin is the issuer.
    let proxied = spawn_app_with(backend, |c| {
        c.public_origin = Some("https://auth.example".into())
    })
    .await;
    let res = proxied
        .browser()
        .get("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(res.json["issuer"], "https://auth.example");
    assert_eq!(
        res.json["token_endpoint"],
        "https://auth.example/api/auth/token"
    );
}

async fn a_form_password_grant_takes_username_client_id_and_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let res = app
        .post_form(
            "/api/auth/token",
            &[],
            &[
                ("grant_type", "password"),
                ("username", &email),
                ("password", PASSWORD),
                ("client_id", "my-cli"),
                ("scope", "profile"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["token_type"], "Bearer");
    assert_eq!(res.json["expires_in"], app.config.access_token_ttl);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.header("pragma"), Some("no-cache"));
    let access = res.json["access_token"].as_str().unwrap();
    assert_eq!(
        app.me_with_bearer(access).await.json["user"]["email"],
        email.as_str()
    );
    // A public client that sends its id as HTTP Basic with an empty secret is welcome.
    let basic = app
        .post_form(
            "/api/auth/token",
            &[("authorization", basic_auth("my-cli", ""))],
            &[
                ("grant_type", "password"),
                ("username", &email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(basic.status, StatusCode::OK, "{}", basic.body);
}

async fn form_errors_are_those_of_rfc_6749_section_5_2(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let email = email.as_str();
    let bad_request = StatusCode::BAD_REQUEST;
    let cases: [(&str, Form, StatusCode, &str); 8] = [
        (
            "no grant_type",
            vec![("username", email), ("password", PASSWORD)],
            bad_request,
            "invalid_request",
        ),
        (
            "no password",
            vec![("grant_type", "password"), ("username", email)],
            bad_request,
            "invalid_request",
        ),
        (
            "a repeated parameter",
            vec![
                ("grant_type", "password"),
                ("username", email),
                ("password", PASSWORD),
                ("password", PASSWORD),
            ],
            bad_request,
            "invalid_request",
        ),
        (
            "no refresh_token",
            vec![("grant_type", "refresh_token")],
            bad_request,
            "invalid_request",
        ),
        (
            "another grant type",
            vec![("grant_type", "client_credentials")],
            bad_request,
            "unsupported_grant_type",
        ),
        (
            "a wrong password",
            vec![
                ("grant_type", "password"),
                ("username", email),
                ("password", "wrong password"),
            ],
            bad_request,
            "invalid_grant",
        ),
        (
            "a made-up refresh token",
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", "made-up"),
            ],
            bad_request,
            "invalid_grant",
        ),
        (
            "a client secret (no confidential clients exist)",
            vec![
                ("grant_type", "password"),
                ("username", email),
                ("password", PASSWORD),
                ("client_id", "cli"),
                ("client_secret", "guess"),
            ],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
    ];
    for (case, form, status, code) in cases {
        let res = app.post_form("/api/auth/token", &[], &form).await;
        assert_oauth_error(&res, status, code, case);
    }
    let res = app
        .post_form(
            "/api/auth/token",
            &[("authorization", basic_auth("cli", "guess"))],
            &[
                ("grant_type", "password"),
                ("username", email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_oauth_error(
        &res,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "HTTP Basic",
    );
    assert!(
        res.header("www-authenticate")
            .is_some_and(|c| c.starts_with("Basic")),
        "{:?}",
        res.headers
    );
    // The same client authentication with a JSON body.
    let res = app
        .post_anonymous(
            "/api/auth/token",
            &[("authorization", basic_auth("cli", "guess"))],
            Some(json!({"grant_type": "password", "email": email, "password": PASSWORD})),
        )
        .await;
    assert_oauth_error(&res, StatusCode::UNAUTHORIZED, "invalid_client", "JSON");
}

/// The number of `sign_out` audit rows of the user with `email`.
async fn sign_out_audits(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events a JOIN users u ON u.id = a.user_id
         WHERE u.email = $1 AND a.kind = 'sign_out'",
    )
    .bind(email)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// Both tokens of the session are refused, and the end was audited as one sign-out.
async fn assert_session_ended(app: &TestApp, email: &str, access: &str, refresh: &str) {
    assert_eq!(
        app.me_with_bearer(access).await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = refresh_grant(app, refresh).await;
    assert_oauth_error(&again, StatusCode::BAD_REQUEST, "invalid_grant", "refresh");
    assert_eq!(
        sign_out_audits(app, email).await,
        1,
        "audited as a sign-out"
    );
}

async fn revoking_a_refresh_token_ends_its_session_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let (access, refresh) = form_tokens(&app, &email).await;
    assert_eq!(app.me_with_bearer(&access).await.status, StatusCode::OK);

    let res = app.revoke(&refresh, Some("refresh_token")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_session_ended(&app, &email, &access, &refresh).await;
}

async fn revoking_an_access_token_ends_its_refresh_token_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let (access, refresh) = form_tokens(&app, &email).await;

    let res = app.revoke(&access, Some("access_token")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_session_ended(&app, &email, &access, &refresh).await;
}

async fn the_token_type_hint_is_only_a_hint(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    // A refresh token announced as an access token, and the other way round.
    let (access, refresh) = form_tokens(&app, &email).await;
    assert_eq!(
        app.revoke(&refresh, Some("access_token")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.me_with_bearer(&access).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (access, refresh) = form_tokens(&app, &email).await;
    assert_eq!(
        app.revoke(&access, Some("refresh_token")).await.status,
        StatusCode::OK
    );
    let again = refresh_grant(&app, &refresh).await;
    assert_eq!(again.json["error"], "invalid_grant", "{}", again.body);
}

async fn revoking_an_unknown_forged_or_revoked_token_is_200_and_ends_nothing_else(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let (bystander, _) = form_tokens(&app, &email).await;
    let (access, refresh) = form_tokens(&app, &email).await;
    // Same claims, another key: its signature is checked before it can name a session.
    let forged = {
        let (header_and_claims, _) = access.rsplit_once('.').unwrap();
        format!("{header_and_claims}.c2lnbmVkIGJ5IHNvbWVvbmUgZWxzZQ")
    };
    assert_eq!(app.revoke(&forged, None).await.status, StatusCode::OK);
    assert_eq!(app.revoke("made-up", None).await.status, StatusCode::OK);
    assert_eq!(app.me_with_bearer(&access).await.status, StatusCode::OK);

    assert_eq!(app.revoke(&refresh, None).await.status, StatusCode::OK);
    // Already revoked: the same answer, and no second sign-out in the audit trail.
    assert_eq!(app.revoke(&refresh, None).await.status, StatusCode::OK);
    assert_eq!(app.revoke(&access, None).await.status, StatusCode::OK);
    assert_eq!(sign_out_audits(&app, &email).await, 1);
    // Another session of the same user lives on.
    assert_eq!(app.me_with_bearer(&bystander).await.status, StatusCode::OK);
}

async fn an_unsupported_hint_or_a_missing_token_revokes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let (access, refresh) = form_tokens(&app, &email).await;
    let res = app.revoke(&refresh, Some("id_token")).await;
    assert_oauth_error(
        &res,
        StatusCode::BAD_REQUEST,
        "unsupported_token_type",
        "hint",
    );
    let res = app
        .post_form(
            "/api/auth/revoke",
            &[],
            &[("token_type_hint", "access_token")],
        )
        .await;
    assert_oauth_error(&res, StatusCode::BAD_REQUEST, "invalid_request", "no token");
    let res = app
        .post_form(
            "/api/auth/revoke",
            &[],
            &[("token", &access), ("client_secret", "guess")],
        )
        .await;
    assert_oauth_error(&res, StatusCode::UNAUTHORIZED, "invalid_client", "secret");
    assert_eq!(app.me_with_bearer(&access).await.status, StatusCode::OK);
    assert_eq!(refresh_grant(&app, &refresh).await.status, StatusCode::OK);
}

async fn a_flood_of_made_up_tokens_never_blocks_a_real_revocation(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let (access, refresh) = form_tokens(&app, &email).await;
    for _ in 0..backend::rate_limit::SIGN_OUT.limit {
        assert_eq!(app.revoke("made-up", None).await.status, StatusCode::OK);
    }
    let limited = app.revoke("made-up", None).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert!(limited.header("retry-after").is_some());
    assert_eq!(limited.json["error"], "rate_limited");
    // The OAuth shape for every error of these endpoints.
    assert!(
        limited.json["error_description"].is_string(),
        "{}",
        limited.body
    );

    let real = app.revoke(&refresh, None).await;
    assert_eq!(real.status, StatusCode::OK, "{}", real.body);
    assert_session_ended(&app, &email, &access, &refresh).await;
}

async fn a_revocation_on_one_process_is_enforced_by_another(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = spawn_on(first.config.clone(), first.clock.clone()).await;
    let (_, email) = first.signed_up_browser().await;
    let (access, refresh) = form_tokens(&first, &email).await;
    assert_eq!(second.me_with_bearer(&access).await.status, StatusCode::OK);

    assert_eq!(first.revoke(&refresh, None).await.status, StatusCode::OK);
    second.wait_until_refused(&access).await;
    let again = refresh_grant(&second, &refresh).await;
    assert_eq!(again.json["error"], "invalid_grant", "{}", again.body);
}

async fn introspection_is_only_for_the_configured_resource_server(backend: Backend) {
    // Not configured: nobody may introspect.
    let off = spawn_app(backend).await;
    let (_, email) = off.signed_up_browser().await;
    let (access, _) = form_tokens(&off, &email).await;
    let res = off
        .post_form(
            "/api/auth/introspect",
            &[("authorization", basic_auth("resource-server", "anything"))],
            &[("token", &access)],
        )
        .await;
    assert_oauth_error(&res, StatusCode::UNAUTHORIZED, "invalid_client", "off");

    let app = spawn_app_with(backend, with_introspection).await;
    let (_, email) = app.signed_up_browser().await;
    let (access, _) = form_tokens(&app, &email).await;
    let secret = app
        .config
        .introspection_client
        .as_ref()
        .unwrap()
        .secret
        .expose()
        .to_owned();
    let wrong: [(&str, Vec<(&str, String)>); 4] = [
        ("no credentials", vec![]),
        (
            "a wrong secret",
            vec![("authorization", basic_auth("resource-server", "wrong"))],
        ),
        (
            "another client",
            vec![("authorization", basic_auth("someone-else", &secret))],
        ),
        (
            "a user's bearer token",
            vec![("authorization", format!("Bearer {access}"))],
        ),
    ];
    for (case, headers) in wrong {
        let res = app
            .post_form("/api/auth/introspect", &headers, &[("token", &access)])
            .await;
        assert_oauth_error(&res, StatusCode::UNAUTHORIZED, "invalid_client", case);
        assert_eq!(res.json.get("active"), None, "{case}");
    }
    assert_eq!(app.introspect(&access).await.json["active"], true);
}

async fn introspection_reports_active_tokens_with_the_standard_fields(backend: Backend) {
    let app = spawn_app_with(backend, with_introspection).await;
    let (_, email) = app.signed_up_browser().await;
    let (access, refresh) = form_tokens(&app, &email).await;

    let res = app.introspect(&access).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let me = app.me_with_bearer(&access).await.json;
    let now = app.clock.now();
    assert_eq!(res.json["active"], true);
    assert_eq!(res.json["token_type"], "access_token");
    assert_eq!(res.json["sub"], me["user"]["id"]);
    assert_eq!(res.json["sid"], me["sessionId"]);
    assert_eq!(res.json["username"], email.as_str());
    assert_eq!(res.json["iss"], app.config.issuer.as_str());
    assert_eq!(res.json["iat"], now);
    assert_eq!(res.json["exp"], now + app.config.access_token_ttl);
    assert!(res.json["jti"].as_str().is_some_and(|j| !j.is_empty()));

    let res = app.introspect(&refresh).await;
    assert_eq!(res.json["active"], true, "{}", res.body);
    assert_eq!(res.json["token_type"], "refresh_token");
    assert_eq!(res.json["sub"], me["user"]["id"]);
    assert_eq!(res.json["sid"], me["sessionId"]);
    assert_eq!(res.json["username"], email.as_str());
    assert!(res.json["exp"].as_i64().is_some_and(|exp| exp > now));
}

/// `{"active": false}` and nothing else: the reason is none of the caller's business.
fn assert_inactive(res: &Reply, case: &str) {
    assert_eq!(res.status, StatusCode::OK, "{case}: {}", res.body);
    assert_eq!(res.json, json!({"active": false}), "{case}");
}

async fn introspection_says_only_inactive_for_revoked_expired_rotated_or_forged_tokens(
    backend: Backend,
) {
    let app = spawn_app_with(backend, with_introspection).await;
    let (_, email) = app.signed_up_browser().await;

    let (access, refresh) = form_tokens(&app, &email).await;
    assert_eq!(app.revoke(&access, None).await.status, StatusCode::OK);
    assert_inactive(&app.introspect(&access).await, "revoked access token");
    assert_inactive(&app.introspect(&refresh).await, "refresh token of it");

    let (access, old_refresh) = form_tokens(&app, &email).await;
    let rotated = refresh_grant(&app, &old_refresh).await;
    let new_refresh = rotated.json["refresh_token"].as_str().unwrap().to_owned();
    assert_inactive(&app.introspect(&old_refresh).await, "rotated refresh token");
    // Asking about the old token is not presenting it: the session is not ended as a theft.
    assert_eq!(app.introspect(&new_refresh).await.json["active"], true);

    app.clock.advance(app.config.access_token_ttl);
    assert_inactive(&app.introspect(&access).await, "expired access token");

    let (header_and_claims, _) = access.rsplit_once('.').unwrap();
    let forged = format!("{header_and_claims}.c2lnbmVkIGJ5IHNvbWVvbmUgZWxzZQ");
    assert_inactive(&app.introspect(&forged).await, "forged access token");
    assert_inactive(&app.introspect("made-up").await, "unknown token");

    app.clock.advance(app.config.refresh_token_ttl);
    assert_inactive(&app.introspect(&new_refresh).await, "expired refresh token");

    let res = app
        .post_form(
            "/api/auth/introspect",
            &[(
                "authorization",
                basic_auth(
                    "resource-server",
                    app.config
                        .introspection_client
                        .as_ref()
                        .unwrap()
                        .secret
                        .expose(),
                ),
            )],
            &[("token_type_hint", "access_token")],
        )
        .await;
    assert_oauth_error(&res, StatusCode::BAD_REQUEST, "invalid_request", "no token");
}
