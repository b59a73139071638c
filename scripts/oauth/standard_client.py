"""A standard OAuth 2.0 client (authlib) against the real server, as a new API user
would use it: discovery, password grant, a bearer call, refresh, revocation, and then the
refresh and the access token both refused. Exits non-zero on the first broken step.

Usage: standard_client.py BASE_URL   (INTROSPECTION_SECRET in the environment enables
the resource-server step.)
"""

import os
import sys
import uuid

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError

BASE = sys.argv[1].rstrip("/")
PASSWORD = "correct horse battery"


def step(text):
    print(f"[standard client] {text}", flush=True)


def expect(condition, what):
    if not condition:
        raise SystemExit(f"[standard client] FAILED: {what}")


def main():
    email = f"authlib-{uuid.uuid4().hex}@example.com"
    # Accounts are made through the JSON API; OAuth has no sign-up.
    r = requests.post(f"{BASE}/api/auth/register", json={"email": email, "password": PASSWORD}, timeout=20)
    expect(r.status_code == 201, f"register: {r.status_code} {r.text}")

    step("discovery (RFC 8414)")
    meta = requests.get(f"{BASE}/.well-known/oauth-authorization-server", timeout=20).json()
    expect(meta["issuer"] == BASE, f"issuer {meta['issuer']!r}")
    expect("password" in meta["grant_types_supported"], "password grant advertised")
    expect("none" in meta["token_endpoint_auth_methods_supported"], "public clients advertised")

    client = OAuth2Session(
        client_id="standard-client-test",
        token_endpoint_auth_method="none",
        revocation_endpoint_auth_method="none",
    )

    step("password grant with username (RFC 6749 4.3)")
    token = client.fetch_token(meta["token_endpoint"], username=email, password=PASSWORD)
    expect(token["token_type"].lower() == "bearer", f"token_type {token['token_type']!r}")
    first_access = token["access_token"]

    step("bearer call")
    me = client.get(f"{BASE}/api/auth/me", timeout=20)
    expect(me.status_code == 200 and me.json()["user"]["email"] == email, f"me: {me.status_code} {me.text}")

    step("refresh (RFC 6749 6)")
    token = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    expect(token["access_token"] != first_access, "a new access token")
    expect(client.get(f"{BASE}/api/auth/me", timeout=20).status_code == 200, "bearer call after refresh")

    secret = os.environ.get("INTROSPECTION_SECRET")
    if secret:
        step("introspection as the resource server (RFC 7662): active")
        answer = introspect(meta, secret, token["access_token"])
        expect(answer.get("active") is True and answer.get("username") == email, f"introspection: {answer}")

    step("revoke the refresh token (RFC 7009)")
    r = client.revoke_token(meta["revocation_endpoint"], token=token["refresh_token"], token_type_hint="refresh_token")
    expect(r.status_code == 200, f"revoke: {r.status_code} {r.text}")

    step("refresh refused")
    try:
        client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
        expect(False, "the revoked refresh token still works")
    except OAuthError as refused:
        expect(refused.error == "invalid_grant", f"refresh refused with {refused.error!r}")

    step("access token refused")
    me = client.get(f"{BASE}/api/auth/me", timeout=20)
    expect(me.status_code == 401, f"me after revocation: {me.status_code} {me.text}")

    if secret:
        step("introspection: inactive")
        answer = introspect(meta, secret, token["access_token"])
        expect(answer == {"active": False}, f"introspection after revocation: {answer}")

    step("ok: discovery, password grant, bearer call, refresh, revoke, refresh and access refused")


def introspect(meta, secret, token):
    client_id = os.environ.get("INTROSPECTION_CLIENT_ID", "resource-server")
    r = requests.post(meta["introspection_endpoint"], data={"token": token}, auth=(client_id, secret), timeout=20)
    expect(r.status_code == 200, f"introspect: {r.status_code} {r.text}")
    return r.json()


if __name__ == "__main__":
    main()
