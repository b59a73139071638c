"""schemathesis against the server's own OpenAPI document (pinned in requirements.txt):
every operation, with the checks `not_a_server_error` and `response_schema_conformance`.

Two bounded runs: one signed in with a bearer token (so the protected operations get
past 401; the operations that end the caller's own session are left out, or the token
would die in the first seconds), and one anonymous over every operation. The push
channel is left out of the signed-in run: a live stream never ends.

Usage: fuzz.py BASE_URL MAX_EXAMPLES_PER_OPERATION
"""

import os
import subprocess
import sys
import uuid

import requests

BASE = sys.argv[1].rstrip("/")
MAX_EXAMPLES = sys.argv[2]
PASSWORD = "correct horse battery"
# Each run stops by itself well before this; the bound is for a hang.
RUN_TIMEOUT_SECS = 600
SESSION_ENDING = r"^/api/auth/(web/)?(events|logout|logout-all|report-concern|account/delete|delete-account)$"


def bearer_token():
    email = f"fuzz-{uuid.uuid4().hex}@example.com"
    r = requests.post(f"{BASE}/api/auth/register", json={"email": email, "password": PASSWORD}, timeout=20)
    r.raise_for_status()
    r = requests.post(
        f"{BASE}/api/auth/token",
        data={"grant_type": "password", "username": email, "password": PASSWORD},
        timeout=20,
    )
    r.raise_for_status()
    return r.json()["access_token"]


def schemathesis(label, *extra):
    command = [
        os.path.join(os.path.dirname(sys.executable), "schemathesis"), "run", f"{BASE}/api/openapi.json",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--max-examples", MAX_EXAMPLES,
        "--seed", "11",
        "--workers", "2",
        "--request-timeout", "20",
        "--no-color",
        *extra,
    ]
    print(f"[fuzz] {label}", flush=True)
    # Run where schemathesis and hypothesis may leave their caches: not in the checkout.
    workdir = os.environ.get("FUZZ_WORKDIR")
    return subprocess.run(command, timeout=RUN_TIMEOUT_SECS, cwd=workdir).returncode


def main():
    token = bearer_token()
    signed_in = schemathesis(
        "signed in (bearer token), every operation but those that end the session",
        "--header", f"Authorization: Bearer {token}",
        "--exclude-path-regex", SESSION_ENDING,
    )
    anonymous = schemathesis("anonymous, every operation")
    sys.exit(signed_in or anonymous)


if __name__ == "__main__":
    main()
