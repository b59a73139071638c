"""The receiver's side of scripts/ssf/run.sh, against a throw-away server, through public
HTTP only:

  drive.py collect BASE WORKDIR      (the receiver's secret in SSF_RECEIVER_SECRET)
      creates a poll stream (SSF 1.0 §8.1.1.1, RFC 8936), makes a user live through every
      kind of event the transmitter sends (a session revoked from another device, a
      password change, an email change, sign-out everywhere, a sign-out), asks for a
      verification event with state "abc", then polls without acknowledging until every
      expected event is there. Writes WORKDIR/sets.json (the SETs by jti) and
      WORKDIR/stream.json (stream_id, aud, what the user's sessions were).

  drive.py ack BASE WORKDIR
      after the validator accepted them: checks that each expected event names the right
      subject, acknowledges every SET, and polls once more: the stream must be empty.

Bounded everywhere: every request times out, the poll loop gives up after 30 s.
"""

import base64
import json
import os
import sys
import time
import uuid
from pathlib import Path

import requests

SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
CREDENTIAL_CHANGE = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
IDENTIFIER_CHANGED = "https://schemas.openid.net/secevent/risc/event-type/identifier-changed"
VERIFICATION = "https://schemas.openid.net/secevent/ssf/event-type/verification"
POLL = "urn:ietf:rfc:8936"
RECEIVER = "checker"
STATE = "abc"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "another good passphrase"
TIMEOUT = 20


def step(text):
    print(f"[ssf driver] {text}", flush=True)


def expect(condition, what):
    if not condition:
        raise SystemExit(f"[ssf driver] FAILED: {what}")


class Api:
    def __init__(self, base, secret):
        self.base, self.secret = base.rstrip("/"), secret
        self.http = requests.Session()

    def post(self, path, body=None, bearer=None, status=None):
        headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
        r = self.http.post(self.base + path, json=body, headers=headers, timeout=TIMEOUT)
        if status is not None:
            expect(r.status_code == status, f"POST {path}: {r.status_code} {r.text[:300]} (wanted {status})")
        return r

    def get(self, path, bearer=None):
        headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
        r = self.http.get(self.base + path, headers=headers, timeout=TIMEOUT)
        expect(r.status_code == 200, f"GET {path}: {r.status_code} {r.text[:300]}")
        return r.json()

    def poll(self, stream_id, body):
        r = self.post(f"/ssf/poll/{stream_id}", body, bearer=self.secret, status=200)
        answer = r.json()
        expect(isinstance(answer.get("sets"), dict) and isinstance(answer.get("moreAvailable"), bool),
               f"an RFC 8936 poll answer: {answer}")
        return answer

    # A device: the token API (password grant), as a non-browser client signs in.
    def sign_in(self, email, password):
        r = self.post("/api/auth/token", {"grant_type": "password", "email": email, "password": password},
                      status=200)
        tokens = r.json()
        me = self.get("/api/auth/me", bearer=tokens["access_token"])
        return {"access": tokens["access_token"], "refresh": tokens["refresh_token"],
                "sid": me["sessionId"], "user_id": me["user"]["id"]}


def claims_of(token):
    """The payload, unverified: only to see what arrived (check_sets.py verifies)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def event_of(claims):
    (event_type, event), = claims["events"].items()
    return event_type, event


def collect(api, work):
    step("stream: POST /ssf/streams with poll delivery")
    r = api.post("/ssf/streams", {"delivery": {"method": POLL}}, bearer=api.secret, status=201)
    stream = r.json()
    stream_id = stream["stream_id"]
    expect(stream["iss"] == api.base, f"stream iss {stream['iss']!r}")
    expect(stream["aud"] == RECEIVER, f"stream aud {stream['aud']!r}")
    expect(stream["delivery"] == {"method": POLL, "endpoint_url": f"{api.base}/ssf/poll/{stream_id}"},
           f"stream delivery {stream['delivery']}")
    for event_type in (SESSION_REVOKED, CREDENTIAL_CHANGE, IDENTIFIER_CHANGED):
        expect(event_type in stream["events_delivered"], f"{event_type} delivered")
    expect(api.poll(stream_id, {"returnImmediately": True})["sets"] == {}, "a new stream is empty")

    email = f"ssf-{uuid.uuid4().hex[:12]}@example.com"
    step(f"register {email}")
    api.post("/api/auth/register", {"email": email, "password": PASSWORD}, status=201)
    phone = api.sign_in(email, PASSWORD)
    sessions = {}

    step("a session revoked from another device (POST /api/auth/sessions/revoke)")
    laptop = api.sign_in(email, PASSWORD)
    api.post("/api/auth/sessions/revoke", {"sessionId": laptop["sid"]}, bearer=phone["access"], status=200)
    sessions["revoked_from_list"] = laptop["sid"]

    step("a password change (POST /api/auth/password), with another session live")
    tablet = api.sign_in(email, PASSWORD)
    api.post("/api/auth/password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
             bearer=phone["access"], status=200)
    sessions["ended_by_password_change"] = tablet["sid"]

    new_email = f"moved-{email}"
    step(f"an email change to {new_email} (POST /api/auth/email)")
    api.post("/api/auth/email", {"currentPassword": NEW_PASSWORD, "newEmail": new_email},
             bearer=phone["access"], status=200)

    step("sign-out everywhere (POST /api/auth/logout-all)")
    desk = api.sign_in(new_email, NEW_PASSWORD)
    api.post("/api/auth/logout-all", {}, bearer=phone["access"], status=200)
    sessions["everywhere"] = [phone["sid"], desk["sid"]]

    step("a sign-out (POST /api/auth/logout with the refresh token)")
    last = api.sign_in(new_email, NEW_PASSWORD)
    api.post("/api/auth/logout", {"refreshToken": last["refresh"]}, bearer=last["access"], status=200)
    sessions["signed_out"] = last["sid"]

    step(f"verification (POST /ssf/verify, state {STATE!r})")
    api.post("/ssf/verify", {"stream_id": stream_id, "state": STATE}, bearer=api.secret, status=204)

    step("poll (RFC 8936), nothing acknowledged, until every expected event is there")
    wanted = {SESSION_REVOKED, CREDENTIAL_CHANGE, IDENTIFIER_CHANGED, VERIFICATION}
    deadline = time.monotonic() + 30
    while True:
        answer = api.poll(stream_id, {"returnImmediately": True, "maxEvents": 100})
        sets = answer["sets"]
        seen = {event_of(claims_of(t))[0] for t in sets.values()}
        if wanted <= seen and not answer["moreAvailable"]:
            break
        expect(time.monotonic() < deadline,
               f"within 30 s: still missing {sorted(wanted - seen)}, moreAvailable {answer['moreAvailable']}")
        time.sleep(0.5)
    again = api.poll(stream_id, {"returnImmediately": True, "maxEvents": 100})
    expect(set(again["sets"]) == set(sets), "unacknowledged SETs are delivered again, the same jtis")
    for jti, token in sets.items():
        event_type, _ = event_of(claims_of(token))
        step(f"  got {event_type.rsplit('/', 1)[-1]:<20} {jti}")

    (work / "sets.json").write_text(json.dumps({"sets": sets, "moreAvailable": False}, indent=1))
    (work / "stream.json").write_text(json.dumps({
        "stream_id": stream_id, "aud": RECEIVER, "state": STATE, "user_id": phone["user_id"],
        "old_email": email, "new_email": new_email, "sessions": sessions,
    }, indent=1))
    step(f"{len(sets)} SET(s) written to {work / 'sets.json'}")


def ack(api, work):
    sets = json.loads((work / "sets.json").read_text())["sets"]
    info = json.loads((work / "stream.json").read_text())
    by_type = {}
    for token in sets.values():
        claims = claims_of(token)
        event_type, event = event_of(claims)
        by_type.setdefault(event_type, []).append((claims, event))

    step("each expected event names the right subject")
    revoked = {c["sub_id"].get("session", {}).get("id") for c, _ in by_type.get(SESSION_REVOKED, [])}
    for what, sids in info["sessions"].items():
        for sid in sids if isinstance(sids, list) else [sids]:
            expect(sid in revoked, f"session-revoked for the session {what} ({sid}); got {sorted(map(str, revoked))}")
    users = {c["sub_id"].get("user", {}).get("id") for c, _ in by_type.get(SESSION_REVOKED, [])}
    expect(users == {info["user_id"]}, f"session-revoked names the user {info['user_id']}: {users}")
    changes = [e for _, e in by_type.get(CREDENTIAL_CHANGE, [])]
    expect(any(e.get("credential_type") == "password" and e.get("change_type") == "update" for e in changes),
           f"credential-change password/update: {changes}")
    expect(by_type.get(IDENTIFIER_CHANGED), "an identifier-changed event")
    verifications = by_type.get(VERIFICATION, [])
    expect(len(verifications) == 1 and verifications[0][1].get("state") == info["state"]
           and verifications[0][0]["sub_id"] == {"format": "opaque", "id": info["stream_id"]},
           f"one verification with state {info['state']!r} naming the stream: {verifications}")

    step(f"acknowledge all {len(sets)} SET(s), then poll again")
    answer = api.poll(info["stream_id"], {"ack": list(sets), "returnImmediately": True, "maxEvents": 100})
    expect(answer["sets"] == {} and answer["moreAvailable"] is False,
           f"the stream is empty once acknowledged: {answer}")
    answer = api.poll(info["stream_id"], {"returnImmediately": True})
    expect(answer["sets"] == {}, f"and stays empty: {answer}")
    step("acknowledged: the stream is empty")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("collect", "ack"):
        raise SystemExit(f"usage: {sys.argv[0]} collect|ack BASE WORKDIR (secret in SSF_RECEIVER_SECRET)")
    mode, base, work = sys.argv[1:]
    secret = os.environ.get("SSF_RECEIVER_SECRET", "")
    expect(secret, "SSF_RECEIVER_SECRET is set")
    api = Api(base, secret)
    (collect if mode == "collect" else ack)(api, Path(work))


if __name__ == "__main__":
    main()
