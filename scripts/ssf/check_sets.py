"""An independent Security Event Token validator, written from the specifications (not from
the server's code), standing in for a third-party SSF receiver: no installable Python or
JavaScript SSF/CAEP receiver library is to be had from the package registries.

What it checks, and where each rule comes from:

- RFC 7515/7519 (JWS, JWT): compact serialization, a signature that verifies with a key of
  the transmitter's JWK Set (found through `jwks_uri`, SSF 1.0 §4.1.4), `alg` matching that
  key (OKP/Ed25519 -> EdDSA, EC/P-256 -> ES256), no `alg: none`, no `crit` it can't honour.
- RFC 8417 §2.2/§2.3 (SET): `iss`, `iat`, `jti` present; `aud` containing this receiver;
  `events` a JSON object whose values are JSON objects; explicit type `secevent+jwt`.
- SSF 1.0 §4.1: explicit typing is a MUST; no `sub`, no `exp`; `iss` identical to the
  transmitter's `issuer`; §4.2.1 / CAEP interoperability profile: exactly one event.
- SSF 1.0 §3 and RFC 9493: a top-level `sub_id` that is a simple Subject Identifier of a
  registered format, or a `complex` one made of simple members.
- CAEP 1.0 §2/§3: session-revoked, credential-change (and their optional claims);
  RISC 1.0: identifier-changed (subject of type email or phone, holding the old value);
  SSF 1.0 §8.1.4.1: verification (`state`, `sub_id` opaque with the stream's id).

Usage:
  check_sets.py BASE_URL SETS_JSON [--aud NAME] [--stream-id ID] [--state S]
                [--accept KNOWN_DEVIATION] [--mutate NAME | --self-test] [--list-mutations]

SETS_JSON is a file (or - for stdin) holding an RFC 8936 poll answer ({"sets": {jti: SET}}),
a {jti: SET} object, or a list of SETs. Exit status: 0 when every SET is valid, 1 on the
first violation (the message names the SET, the rule and the spec), 2 on bad usage.

--accept risc-identifier-changed-subject takes that one deviation from a MUST (see
check_claims) as a remark printed as KNOWN DEVIATION instead of a violation. What a
receiver would remark on without refusing (SHOULDs, the CAEP interoperability profile) is
listed after the verdict and never fails the run.

--mutate NAME breaks one SET in memory (re-signed with a throw-away key added to the JWK
Set, so only the broken rule can fail) and validates the batch: it must exit 1.
--self-test runs every mutation in turn and exits 0 only if each one was refused, and the
re-signed but unbroken controls (Ed25519 and P-256) were accepted.
"""

import argparse
import base64
import collections
import json
import re
import sys
import time
import urllib.parse
import urllib.request

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jsonschema import Draft202012Validator

SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
CREDENTIAL_CHANGE = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
IDENTIFIER_CHANGED = "https://schemas.openid.net/secevent/risc/event-type/identifier-changed"
VERIFICATION = "https://schemas.openid.net/secevent/ssf/event-type/verification"

LEEWAY = 60  # seconds of clock skew tolerated for iat / event_timestamp

# Deviations from a MUST that a run may accept explicitly (--accept NAME), each printed as a
# KNOWN DEVIATION: the identifier-changed subject (see check_claims).
RISC_SUBJECT = "risc-identifier-changed-subject"
KNOWN_DEVIATIONS = {RISC_SUBJECT}


class Violation(Exception):
    pass


def fail(rule, spec):
    raise Violation(f"{rule}  [{spec}]")


# ---------------------------------------------------------------------------------------
# Event payload schemas (JSON Schema 2020-12), from CAEP 1.0, RISC 1.0 and SSF 1.0.

# CAEP 1.0 §2: reason_admin / reason_user "MUST contain one or more key/value pairs, with a
# BCP47 language tag as the key and the locale-specific ... message as the value".
_LANG_TAG = r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"
_LOCALIZED = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": {"pattern": _LANG_TAG},
    "additionalProperties": {"type": "string"},
}
# CAEP 1.0 §2: the optional claims every CAEP event may carry.
_CAEP_COMMON = {
    "event_timestamp": {"type": "number"},
    "initiating_entity": {"enum": ["admin", "user", "policy", "system"]},
    "reason_admin": _LOCALIZED,
    "reason_user": _LOCALIZED,
}

SCHEMAS = {
    # CAEP 1.0 §3.1: "There are no event-specific claims for this event type."
    SESSION_REVOKED: {
        "type": "object",
        "properties": dict(_CAEP_COMMON),
    },
    # CAEP 1.0 §3.3: credential_type and change_type REQUIRED.
    CREDENTIAL_CHANGE: {
        "type": "object",
        "required": ["credential_type", "change_type"],
        "properties": {
            **_CAEP_COMMON,
            # "MUST be one of the following strings, or any other credential type supported
            # mutually by the Transmitter and the Receiver": any non-empty string, the
            # listed ones known (see KNOWN_CREDENTIAL_TYPES).
            "credential_type": {"type": "string", "minLength": 1},
            "change_type": {"enum": ["create", "revoke", "update", "delete"]},
            "friendly_name": {"type": "string"},
            "x509_issuer": {"type": "string"},
            "x509_serial": {"type": "string"},
            "fido2_aaguid": {"type": "string"},
        },
    },
    # RISC 1.0 §2, Identifier Changed: "new-value - optional, the new value of the
    # identifier."
    IDENTIFIER_CHANGED: {
        "type": "object",
        "properties": {"new-value": {"type": "string"}},
    },
    # SSF 1.0 §8.1.4.1: "state OPTIONAL. An opaque value provided by the Event Receiver".
    VERIFICATION: {
        "type": "object",
        "properties": {"state": {"type": "string"}},
    },
}
VALIDATORS = {uri: Draft202012Validator(schema) for uri, schema in SCHEMAS.items()}
for _v in VALIDATORS.values():
    Draft202012Validator.check_schema(_v.schema)

KNOWN_CREDENTIAL_TYPES = {
    "password", "pin", "x509", "fido2-platform", "fido2-roaming", "fido-u2f",
    "verifiable-credential", "phone-voice", "phone-sms", "app",
}

# RFC 9493 §3.2 (registered formats) and SSF 1.0 §3.5 (jwt_id, saml_assertion_id,
# ip-addresses): the members each format MUST contain, all strings but where noted.
SIMPLE_FORMATS = {
    "account": ["uri"],
    "email": ["email"],
    "iss_sub": ["iss", "sub"],
    "opaque": ["id"],
    "phone_number": ["phone_number"],
    "did": ["url"],
    "uri": ["uri"],
    "aliases": ["identifiers"],  # an array of simple identifiers
    "jwt_id": ["iss", "jti"],
    "saml_assertion_id": ["issuer", "assertion_id"],
    "ip-addresses": ["ip-addresses"],  # an array of strings
}
COMPLEX_MEMBERS = {"user", "device", "session", "application", "tenant", "org_unit", "group"}


# ---------------------------------------------------------------------------------------
# Subjects


def check_simple_subject(value, where):
    if not isinstance(value, dict):
        fail(f"{where} is not a JSON object", "RFC 9493 §3")
    fmt = value.get("format")
    if not isinstance(fmt, str):
        fail(f"{where} has no string 'format'", "RFC 9493 §3: a Subject Identifier MUST contain a format member")
    if fmt == "complex":
        fail(f"{where} is complex, where a simple Subject Identifier is required",
             "SSF 1.0 §3.3: a Complex Subject is made of Simple Subject Members")
    if fmt not in SIMPLE_FORMATS:
        fail(f"{where} has the unregistered format {fmt!r}",
             "SSF 1.0 §3.4: RFC 9493 registry, SSF §3.5, or a format agreed between the parties")
    for member in SIMPLE_FORMATS[fmt]:
        v = value.get(member)
        if fmt == "aliases" and member == "identifiers":
            if not isinstance(v, list) or not v:
                fail(f"{where}.identifiers is not a non-empty array", "RFC 9493 §3.2 (aliases)")
            for i, alias in enumerate(v):
                if isinstance(alias, dict) and alias.get("format") == "aliases":
                    fail(f"{where}.identifiers[{i}] nests aliases", "RFC 9493 §3.2 (aliases)")
                check_simple_subject(alias, f"{where}.identifiers[{i}]")
        elif fmt == "ip-addresses":
            if not isinstance(v, list) or not v or not all(isinstance(a, str) for a in v):
                fail(f"{where}.ip-addresses is not an array of strings", "SSF 1.0 §3.5.3")
        elif not isinstance(v, str) or not v:
            fail(f"{where} (format {fmt!r}) lacks a non-empty string {member!r}",
                 f"RFC 9493 / SSF 1.0: the {fmt!r} format MUST contain {member!r}")
    return fmt


def check_sub_id(sub_id):
    """The format of the top-level subject: 'complex' or a simple format."""
    if sub_id is None:
        fail("no top-level sub_id", "SSF 1.0 §3.1: a top-level claim named sub_id MUST be used")
    if not isinstance(sub_id, dict):
        fail("sub_id is not a JSON object", "RFC 9493 §4")
    if sub_id.get("format") != "complex":
        return check_simple_subject(sub_id, "sub_id")
    members = {k: v for k, v in sub_id.items() if k != "format"}
    if not members:
        fail("sub_id is complex but has no Simple Subject Member",
             "SSF 1.0 §3.3: a format field, and one or more Simple Subject Members")
    for name, value in members.items():
        # Member names beyond the listed ones MAY be used; each must be a simple identifier.
        check_simple_subject(value, f"sub_id.{name}")
    return "complex"


# ---------------------------------------------------------------------------------------
# Keys and signatures


def b64json(part, what):
    try:
        padded = part + "=" * (-len(part) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except Exception as e:
        fail(f"the {what} is not base64url JSON ({e})", "RFC 7515 §7.1")


def expected_alg(jwk):
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        return {"EdDSA", "Ed25519"}
    if kty == "EC" and crv == "P-256":
        return {"ES256"}
    if kty == "RSA":
        return {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
    return set()


def check_jwks(jwks):
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        fail("the JWK Set has no keys", "RFC 7517 §5")
    for k in keys:
        if any(private in k for private in ("d", "p", "q", "dp", "dq", "qi")):
            fail(f"the published key {k.get('kid')!r} has a private member", "RFC 7517 / RFC 8037: a published key has no private part")
        if k.get("use") not in (None, "sig"):
            fail(f"the key {k.get('kid')!r} is not for signatures (use={k.get('use')!r})", "RFC 7517 §4.2")
        if not expected_alg(k):
            fail(f"the key {k.get('kid')!r} is of an unsupported type {k.get('kty')}/{k.get('crv')}",
                 "this receiver: OKP/Ed25519 and EC/P-256")
    return keys


def verify_signature(token, keys):
    """The header and the JWT-verified claims; every failure a Violation."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) == 5:
        fail("an encrypted SET (JWE); this receiver expects signed ones", "RFC 8417 §2 / SSF 1.0 §4.1")
    if len(parts) != 3:
        fail("not a JWS in compact serialization", "RFC 7515 §7.1")
    header = b64json(parts[0], "JOSE header")
    if not isinstance(header, dict):
        fail("the JOSE header is not an object", "RFC 7515 §4")
    typ = header.get("typ")
    normalized = typ.lower().removeprefix("application/") if isinstance(typ, str) else None
    if normalized != "secevent+jwt":
        fail(f"header typ is {typ!r}, not 'secevent+jwt'",
             "RFC 8417 §2.3; SSF 1.0 §4.1.1: SSF events MUST use explicit typing")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        fail(f"header alg is {alg!r}", "RFC 8417 §2 / RFC 7515 §4.1.1: a signed SET")
    if "crit" in header:
        fail(f"header has crit {header['crit']!r}, which this receiver does not understand", "RFC 7515 §4.1.11")
    kid = header.get("kid")
    if kid is None:
        if len(keys) != 1:
            fail("header has no kid and the JWK Set has several keys", "RFC 7515 §4.1.4")
        key = keys[0]
    else:
        matches = [k for k in keys if k.get("kid") == kid]
        if not matches:
            fail(f"header kid {kid!r} is in no key of the JWK Set", "SSF 1.0 §4.1.4: keys from jwks_uri")
        key = matches[0]
    if alg not in expected_alg(key):
        fail(f"header alg {alg!r} does not fit the key {kid!r} ({key.get('kty')}/{key.get('crv')})",
             "RFC 7518 §3.1 / RFC 8037 §3.1")
    if "alg" in key and key["alg"] != alg:
        fail(f"header alg {alg!r} differs from the key's alg {key['alg']!r}", "RFC 7517 §4.4")
    try:
        pyjwk = jwt.PyJWK(key, algorithm="EdDSA" if alg == "Ed25519" else alg)
        claims = jwt.decode(
            token,
            key=pyjwk.key,
            algorithms=[alg if alg != "Ed25519" else "EdDSA"],
            options={"verify_aud": False, "verify_iss": False, "verify_exp": False,
                     "require": []},
            leeway=LEEWAY,
        )
    except jwt.InvalidSignatureError:
        fail("the signature does not verify with the published key", "RFC 7515 §5.2")
    except jwt.ImmatureSignatureError:
        fail("iat is in the future", "RFC 7519 §4.1.6 / RFC 8417 §2.2")
    except jwt.PyJWTError as e:
        fail(f"the JWT does not decode: {e}", "RFC 7519 §7.2")
    return header, claims


# ---------------------------------------------------------------------------------------
# One SET


def check_claims(claims, issuer, audience, stream_id, state, jti_key, accept=(), notes=None):
    notes = [] if notes is None else notes
    iss = claims.get("iss")
    if not isinstance(iss, str) or not iss:
        fail("no iss", "RFC 8417 §2.2 iss")
    if issuer is not None and iss != issuer:
        fail(f"iss {iss!r} is not the transmitter's issuer {issuer!r}",
             "SSF 1.0 §4.1.6 / §7.2.4: iss MUST be identical to the issuer")
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, (int, float)):
        fail(f"iat is {iat!r}, not a NumericDate", "RFC 8417 §2.2 iat: REQUIRED; RFC 7519 §4.1.6")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        fail("no string jti", "RFC 8417 §2.2 jti: REQUIRED")
    if jti_key is not None and jti_key != jti:
        fail(f"delivered under the key {jti_key!r} but its jti is {jti!r}",
             "RFC 8936 §2.3: each member name of 'sets' is the jti of the SET")
    aud = claims.get("aud")
    auds = [aud] if isinstance(aud, str) else aud
    if not isinstance(auds, list) or not auds or not all(isinstance(a, str) for a in auds):
        fail(f"aud is {aud!r}, not a string or an array of strings", "RFC 7519 §4.1.3 / SSF 1.0 §4.1.8")
    if audience is not None and audience not in auds:
        fail(f"aud {aud!r} does not name this receiver {audience!r}", "RFC 7519 §4.1.3")
    if "sub" in claims:
        fail("the JWT sub claim is present", "SSF 1.0 §4.1.2: sub MUST NOT be present in any SET")
    if "exp" in claims:
        fail("the exp claim is present", "SSF 1.0 §4.1.7: exp MUST NOT be used in SETs")
    if "txn" in claims and not isinstance(claims["txn"], str):
        fail("txn is not a string", "RFC 8417 §2.2 txn")
    if "toe" in claims and (isinstance(claims["toe"], bool) or not isinstance(claims["toe"], (int, float))):
        fail("toe is not a NumericDate", "RFC 8417 §2.2 toe")

    events = claims.get("events")
    if not isinstance(events, dict):
        fail("events is not a JSON object", "RFC 8417 §2.2 events: REQUIRED, a JSON object")
    if len(events) != 1:
        fail(f"events has {len(events)} members, not exactly one",
             "SSF 1.0 §4.2.1 / CAEP interoperability profile: only one event")
    (event_type, event), = events.items()
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", event_type):
        fail(f"the event type {event_type!r} is not a URI", "RFC 8417 §2.2 events: names are URIs")
    if not isinstance(event, dict):
        fail(f"the value of {event_type} is not a JSON object", "RFC 8417 §2.2 events")
    if event_type not in VALIDATORS:
        fail(f"the event type {event_type} is none this receiver asked for", "the stream's events_delivered")
    errors = sorted(VALIDATORS[event_type].iter_errors(event), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        path = ".".join(str(p) for p in e.path) or "(the event)"
        fail(f"{event_type.rsplit('/', 1)[-1]}: {path}: {e.message}", f"schema of {event_type}")

    subject_format = check_sub_id(claims.get("sub_id"))
    ts = event.get("event_timestamp")
    if ts is not None and ts > iat + LEEWAY:
        fail(f"event_timestamp {ts} is after the SET was issued (iat {iat})",
             "CAEP 1.0 §2: the time at which the event occurred")

    if event_type == VERIFICATION:
        sub_id = claims["sub_id"]
        if subject_format != "opaque":
            fail(f"a verification event's sub_id has format {subject_format!r}",
                 "SSF 1.0 §8.1.4.1: MUST always be set to have a simple value of type opaque")
        if stream_id is not None and sub_id["id"] != stream_id:
            fail(f"the verification sub_id id {sub_id['id']!r} is not the stream_id {stream_id!r}",
                 "SSF 1.0 §8.1.4.1: the id MUST be the stream_id of the stream being verified")
        if state is not None and event.get("state") != state:
            fail(f"the verification state is {event.get('state')!r}, not {state!r}",
                 "SSF 1.0 §8.1.4.1: the receiver SHALL confirm that the value for state is as expected")
    elif event_type == IDENTIFIER_CHANGED:
        # RISC 1.0: "The subject type MUST be either email or phone and it MUST specify the
        # old value." Read leniently: a complex subject whose user member is one counts.
        sub_id = claims["sub_id"]
        user = sub_id.get("user") if subject_format == "complex" else sub_id
        if not isinstance(user, dict) or user.get("format") not in ("email", "phone_number"):
            named = subject_format + (f" (user: {user.get('format')})" if subject_format == "complex"
                                      and isinstance(user, dict) else "")
            rule = (f"identifier-changed names its subject by {named}, without the old address",
                    "RISC 1.0 Identifier Changed: the subject type MUST be either email or phone "
                    "and it MUST specify the old value")
            if RISC_SUBJECT not in accept:
                fail(*rule)
            notes.append(f"KNOWN DEVIATION, accepted by --accept {RISC_SUBJECT}: {rule[0]}  [{rule[1]}]")
    return event_type, event


    return event_type, event


def notes_for(event_type, event, claims):
    """What a spec-reading receiver would remark on without refusing the SET."""
    notes = []
    if event_type == CREDENTIAL_CHANGE and event.get("credential_type") not in KNOWN_CREDENTIAL_TYPES:
        notes.append(f"credential_type {event.get('credential_type')!r} is not one CAEP 1.0 lists "
                     "(allowed if agreed between transmitter and receiver)")
    if event_type in (SESSION_REVOKED, CREDENTIAL_CHANGE) and not event.get("reason_admin"):
        notes.append("no reason_admin: the CAEP interoperability profile wants a non-empty one")
    if "txn" not in claims:
        notes.append("no txn (SSF 1.0 §4.1.9: Transmitters SHOULD set it)")
    fmt = claims.get("sub_id", {}).get("format")
    if event_type != VERIFICATION and fmt not in ("email", "iss_sub"):
        notes.append(f"sub_id format {fmt!r}: the CAEP interoperability profile's receivers need only "
                     "know email and iss_sub (and opaque for verification)")
    return notes


def validate_batch(sets, keys, issuer, audience, stream_id=None, state=None, quiet=False,
                   accept=(), notes=None):
    """Validates every (jti_key, token); raises Violation naming the SET. Returns the
    list of (claims, event_type, event); what a receiver would remark on without refusing
    goes to `notes` (a Counter)."""
    out, seen = [], set()
    notes = collections.Counter() if notes is None else notes
    for jti_key, token in sets:
        label = jti_key or (token[:24] + "..." if isinstance(token, str) else repr(token))
        these = []
        try:
            header, claims = verify_signature(token, keys)
            event_type, event = check_claims(claims, issuer, audience, stream_id, state, jti_key,
                                             accept, these)
            if claims["jti"] in seen:
                fail(f"the jti {claims['jti']!r} is used twice", "RFC 8417 §2.2 jti: unique")
            seen.add(claims["jti"])
        except Violation as v:
            raise Violation(f"SET {label}: {v}") from None
        short = event_type.rsplit("/", 1)[-1]
        these += notes_for(event_type, event, claims)
        notes.update(f"{short}: {n}" for n in these)
        if not quiet:
            print(f"  ok  {short:<20} jti={claims['jti']} alg={header['alg']} kid={header.get('kid')} "
                  f"sub_id.format={claims['sub_id'].get('format')}"
                  + ("  (known deviation accepted)" if any(n.startswith("KNOWN") for n in these) else ""))
        out.append((claims, event_type, event))
    return out


def print_notes(notes):
    if notes:
        print("[check_sets] remarks (not violations of the base specifications):")
        for note, count in sorted(notes.items()):
            print(f"  - {note}" + (f"  (x{count})" if count > 1 else ""))


# ---------------------------------------------------------------------------------------
# The transmitter's metadata, as a receiver finds it


def get_json(url):
    with urllib.request.urlopen(url, timeout=20) as r:
        return json.loads(r.read())


def _loopback(url):
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def discover(base, notes):
    """The transmitter configuration and its JWK Set, found as a receiver finds them:
    /.well-known/ssf-configuration (SSF 1.0 §7), then its jwks_uri."""
    base = base.rstrip("/")
    config = get_json(f"{base}/.well-known/ssf-configuration")
    issuer = config.get("issuer")
    if issuer != base:
        fail(f"ssf-configuration issuer {issuer!r} is not {base!r}",
             "SSF 1.0 §7.2.4: identical to the Issuer URL used to retrieve the configuration")
    jwks_uri = config.get("jwks_uri")
    if not isinstance(jwks_uri, str):
        fail("ssf-configuration has no jwks_uri", "SSF 1.0 §7.1: MUST be specified if it signs JWTs")
    for name, url in (("issuer", issuer), ("jwks_uri", jwks_uri)):
        if not url.startswith("https://"):
            if not _loopback(url):
                fail(f"{name} {url!r} is not https", "SSF 1.0 §7.1: https")
            notes[f"configuration: {name} is plain http on loopback (SSF 1.0 §7.1 wants https: "
                  "a deployment sets PUBLIC_ORIGIN to its https origin)"] += 1
    if "urn:ietf:rfc:8936" not in config.get("delivery_methods_supported", []):
        fail("poll delivery (urn:ietf:rfc:8936) is not in delivery_methods_supported", "SSF 1.0 §7.1")
    if config.get("spec_version") != "1_0":
        notes[f"configuration: spec_version {config.get('spec_version')!r}, not '1_0'"] += 1
    schemes = [s.get("spec_urn") for s in config.get("authorization_schemes", []) if isinstance(s, dict)]
    if "urn:ietf:rfc:6749" not in schemes:
        notes[f"configuration: authorization_schemes {schemes}; the CAEP interoperability profile "
              "wants urn:ietf:rfc:6749 (OAuth) among them"] += 1
    keys = check_jwks(get_json(jwks_uri))
    if not any(k.get("kty") == "RSA" for k in keys):
        notes["keys: " + ", ".join(f"{k.get('kty')}/{k.get('crv')}" for k in keys)
              + "; the CAEP interoperability profile says events MUST be signed with RS256"] += 1
    return config, keys


# ---------------------------------------------------------------------------------------
# Breaking SETs on purpose


def _b64(obj):
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TestSigner:
    """A throw-away key, published next to the real ones, to re-sign mutated SETs so that
    the one rule a mutation breaks is what fails, not the signature."""

    def __init__(self, kind):
        if kind == "EdDSA":
            self.key = ed25519.Ed25519PrivateKey.generate()
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())
        self.alg = kind
        self.kid = f"self-test-{kind.lower()}"
        jwk = json.loads(jwt.algorithms.get_default_algorithms()[kind].to_jwk(self.key.public_key()))
        jwk.update(kid=self.kid, use="sig")
        self.jwk = jwk

    def sign(self, header, claims):
        """Signs claims with this key; header keeps everything but alg/kid (typ absent
        stays absent)."""
        header = {k: v for k, v in header.items() if k not in ("alg", "kid")}
        header.setdefault("typ", None)  # PyJWT would add typ "JWT" otherwise
        header["kid"] = self.kid
        return jwt.encode(claims, self.key, algorithm=self.alg, headers=header)


def _parts(token):
    h, p, _ = token.split(".")
    return b64json(h, "header"), b64json(p, "payload")


def _first(sets, event_type):
    for i, (_, token) in enumerate(sets):
        _, claims = _parts(token)
        if event_type in claims.get("events", {}):
            return i
    return None


def _resign(signer, fn_header=None, fn_claims=None, event_type=None):
    """A mutation: the first SET (of event_type, if given) with its header and claims
    changed by fn_header / fn_claims(claims, event), re-signed with the test key."""
    def mutate(sets):
        i = _first(sets, event_type) if event_type else 0
        if i is None:
            return None
        header, claims = _parts(sets[i][1])
        if fn_header:
            fn_header(header)
        if fn_claims:
            fn_claims(claims, claims["events"][event_type] if event_type else None)
        out = list(sets)
        out[i] = (sets[i][0], signer.sign(header, claims))
        return out
    return mutate


def mutations(signer):
    """name -> (what it breaks, a function from sets to broken sets or None if it cannot
    apply). Every mutation but the signature ones re-signs with the test key."""
    def put(key, value):
        return lambda c, e: c.__setitem__(key, value)

    def drop(key):
        return lambda c, e: c.pop(key, None)

    def ev_put(key, value):
        return lambda c, e: e.__setitem__(key, value)

    def ev_drop(key):
        return lambda c, e: e.pop(key, None)

    def flip_signature(sets):
        out = list(sets)
        jti, token = out[0]
        h, p, s = token.split(".")
        raw = bytearray(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
        raw[0] ^= 0x01
        out[0] = (jti, f"{h}.{p}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}")
        return out

    def swap_payload(sets):
        # A real signature over another SET's payload: the header/payload pairing is broken.
        if len(sets) < 2:
            return None
        out = list(sets)
        h0, _, s0 = sets[0][1].split(".")
        _, p1, _ = sets[1][1].split(".")
        out[0] = (sets[0][0], f"{h0}.{p1}.{s0}")
        return out

    def unknown_kid(sets):
        out = list(sets)
        jti, token = out[0]
        h, p, s = token.split(".")
        header = b64json(h, "header")
        header["kid"] = "a-key-nobody-published"
        out[0] = (jti, f"{_b64(header)}.{p}.{s}")
        return out

    def alg_none(sets):
        out = list(sets)
        jti, token = out[0]
        h, p, _ = token.split(".")
        header = b64json(h, "header")
        header["alg"] = "none"
        out[0] = (jti, f"{_b64(header)}.{p}.")
        return out

    def two_events(c, e):
        c["events"]["https://schemas.openid.net/secevent/caep/event-type/session-established"] = {}

    def duplicate_jti(sets):
        if len(sets) < 2:
            return None
        _, claims0 = _parts(sets[0][1])
        i = 1
        header, claims = _parts(sets[i][1])
        claims["jti"] = claims0["jti"]
        out = list(sets)
        out[i] = (None, signer.sign(header, claims))
        return out

    R, C, I, V = SESSION_REVOKED, CREDENTIAL_CHANGE, IDENTIFIER_CHANGED, VERIFICATION
    return {
        "typ": ("header typ 'JWT' instead of 'secevent+jwt'",
                _resign(signer, fn_header=lambda h: h.__setitem__("typ", "JWT"))),
        "no-typ": ("header typ removed", _resign(signer, fn_header=lambda h: h.pop("typ", None))),
        "bad-signature": ("one bit of the signature flipped", flip_signature),
        "swapped-payload": ("another SET's payload under this signature", swap_payload),
        "unknown-kid": ("kid of no published key", unknown_kid),
        "alg-none": ("alg none, signature stripped", alg_none),
        "wrong-iss": ("iss of another issuer", _resign(signer, fn_claims=put("iss", "https://evil.example"))),
        "no-iss": ("iss removed", _resign(signer, fn_claims=drop("iss"))),
        "wrong-aud": ("aud of another receiver", _resign(signer, fn_claims=put("aud", "someone-else"))),
        "no-iat": ("iat removed", _resign(signer, fn_claims=drop("iat"))),
        "no-jti": ("jti removed", _resign(signer, fn_claims=drop("jti"))),
        "duplicate-jti": ("two SETs with one jti", duplicate_jti),
        "sub-claim": ("a JWT sub next to sub_id", _resign(signer, fn_claims=put("sub", "someone"))),
        "exp-claim": ("an exp claim", _resign(signer, fn_claims=put("exp", int(time.time()) + 3600))),
        "no-sub_id": ("sub_id removed", _resign(signer, fn_claims=drop("sub_id"))),
        "bad-sub_id": ("sub_id opaque without id",
                       _resign(signer, fn_claims=put("sub_id", {"format": "opaque"}))),
        "empty-complex": ("sub_id complex with no member",
                          _resign(signer, fn_claims=put("sub_id", {"format": "complex"}))),
        "two-events": ("a second event in events", _resign(signer, fn_claims=two_events, event_type=R)),
        "events-array": ("events an array", _resign(signer, fn_claims=put("events", []))),
        "ts-string": ("session-revoked event_timestamp a string",
                      _resign(signer, fn_claims=ev_put("event_timestamp", "yesterday"), event_type=R)),
        "ts-future": ("session-revoked event_timestamp after iat",
                      _resign(signer, fn_claims=lambda c, e: e.__setitem__("event_timestamp", c["iat"] + 3600),
                              event_type=R)),
        "initiating-entity": ("initiating_entity 'robot'",
                              _resign(signer, fn_claims=ev_put("initiating_entity", "robot"), event_type=R)),
        "reason-admin-string": ("reason_admin a bare string",
                                _resign(signer, fn_claims=ev_put("reason_admin", "sign_out"), event_type=R)),
        "reason-user-empty": ("reason_user an empty object",
                              _resign(signer, fn_claims=ev_put("reason_user", {}), event_type=R)),
        "no-change_type": ("credential-change without change_type",
                           _resign(signer, fn_claims=ev_drop("change_type"), event_type=C)),
        "bad-change_type": ("change_type 'rotate'",
                            _resign(signer, fn_claims=ev_put("change_type", "rotate"), event_type=C)),
        "no-credential_type": ("credential-change without credential_type",
                               _resign(signer, fn_claims=ev_drop("credential_type"), event_type=C)),
        "new-value-number": ("identifier-changed new-value a number",
                             _resign(signer, fn_claims=ev_put("new-value", 42), event_type=I)),
        "verification-state": ("verification with another state",
                               _resign(signer, fn_claims=ev_put("state", "xyz"), event_type=V)),
        "verification-sub_id": ("verification sub_id of another stream",
                                _resign(signer, fn_claims=put("sub_id", {"format": "opaque", "id": "other"}),
                                        event_type=V)),
        "risc-opaque-subject": ("identifier-changed naming its user by an opaque id only "
                                "(checked strictly, whatever --accept says)",
                                _resign(signer, fn_claims=put("sub_id", {"format": "complex", "user": {
                                    "format": "opaque", "id": "u1"}}), event_type=I)),
        "unknown-event": ("an event type nobody asked for",
                          _resign(signer, fn_claims=put("events", {"https://example.com/event/other": {}}))),
    }


# Checked without any --accept: the rule they test must hold strictly.
STRICT = {"risc-opaque-subject", "control-risc-email-subject"}


def controls(signers):
    """Re-signed with each test key, unbroken: these MUST pass (else a failing mutation
    would prove nothing). A session-revoked without the optional event_timestamp. And
    identifier-changed as RISC writes it (the old email as the subject): accepted with no
    --accept at all."""
    out = {}
    for s in signers:
        out[f"control-{s.alg}"] = _resign(s)
    # CAEP 1.0 §2: event_timestamp is OPTIONAL; a session-revoked without it is valid.
    out["control-no-event_timestamp"] = _resign(
        signers[0], fn_claims=lambda c, e: e.pop("event_timestamp", None), event_type=SESSION_REVOKED)
    out["control-risc-email-subject"] = _resign(
        signers[0], fn_claims=lambda c, e: c.__setitem__("sub_id", {
            "format": "email", "email": "old@example.com"}), event_type=IDENTIFIER_CHANGED)
    return out


# ---------------------------------------------------------------------------------------


def load_sets(path):
    raw = sys.stdin.read() if path == "-" else open(path).read()
    data = json.loads(raw)
    if isinstance(data, dict) and "sets" in data:
        data = data["sets"]
    if isinstance(data, dict):
        return list(data.items())
    if isinstance(data, list):
        return [(None, t) for t in data]
    raise SystemExit("SETS_JSON is neither a poll answer, an object nor a list")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base")
    ap.add_argument("sets_json", nargs="?")
    ap.add_argument("--aud", help="this receiver's name, which aud must contain")
    ap.add_argument("--stream-id", help="the stream a verification event must name")
    ap.add_argument("--state", help="the state a verification event must carry")
    ap.add_argument("--mutate", help="break one SET in memory this way (expect exit 1)")
    ap.add_argument("--self-test", action="store_true", help="every mutation must be refused")
    ap.add_argument("--list-mutations", action="store_true")
    ap.add_argument("--accept", action="append", default=[], choices=sorted(KNOWN_DEVIATIONS),
                    help="take this known deviation from a MUST as a remark, not a violation")
    args = ap.parse_args()

    ed, p256 = TestSigner("EdDSA"), TestSigner("ES256")
    table = mutations(ed)
    if args.list_mutations:
        for name, (what, _) in table.items():
            print(f"{name:<22} {what}")
        return 0
    if not args.sets_json:
        ap.error("SETS_JSON is required")
    notes = collections.Counter()
    try:
        config, keys = discover(args.base, notes)
    except Violation as v:
        print(f"[check_sets] VIOLATION: {v}", file=sys.stderr)
        return 1
    sets = load_sets(args.sets_json)
    if not sets:
        print("[check_sets] no SETs to check", file=sys.stderr)
        return 1
    issuer = config["issuer"]
    check = dict(issuer=issuer, audience=args.aud, stream_id=args.stream_id, state=args.state,
                 accept=set(args.accept))
    strict = dict(check, accept=set())

    if args.mutate:
        if args.mutate not in table:
            ap.error(f"unknown mutation {args.mutate!r}; see --list-mutations")
        what, fn = table[args.mutate]
        broken = fn(sets)
        if broken is None:
            print(f"[check_sets] mutation {args.mutate} does not apply to these SETs", file=sys.stderr)
            return 2
        print(f"[check_sets] mutation {args.mutate}: {what}")
        sets, keys = broken, keys + [ed.jwk]

    if not args.self_test:
        print(f"[check_sets] {len(sets)} SET(s) from {issuer}, aud {args.aud!r}, {len(keys)} key(s)")
        try:
            validate_batch(sets, keys, notes=notes, **check)
        except Violation as v:
            print(f"[check_sets] VIOLATION: {v}", file=sys.stderr)
            return 1
        print_notes(notes)
        accepted = sum(c for n, c in notes.items() if "KNOWN DEVIATION" in n)
        print(f"[check_sets] all {len(sets)} SET(s) valid"
              + (f" ({accepted} with a known deviation accepted by --accept)" if accepted else ""))
        return 0

    # --self-test: the real SETs pass; each re-signed control passes; each mutation fails.
    print(f"[check_sets] self-test on {len(sets)} real SET(s)")
    try:
        validate_batch(sets, keys, quiet=True, **check)
    except Violation as v:
        print(f"[check_sets] the unmutated SETs already fail: {v}", file=sys.stderr)
        return 1
    test_keys = keys + [ed.jwk, p256.jwk]
    wrong = 0
    for name, fn in controls([ed, p256]).items():
        good = fn(sets)
        if good is None:
            print(f"  skipped (no such SET)  {name}")
            continue
        try:
            validate_batch(good, test_keys, quiet=True, **(strict if name in STRICT else check))
            print(f"  accepted (as it must)  {name}")
        except Violation as v:
            wrong += 1
            print(f"  REFUSED A GOOD SET     {name}: {v}")
    refused = skipped = 0
    for name, (what, fn) in table.items():
        broken = fn(sets)
        if broken is None:
            skipped += 1
            print(f"  skipped (no such SET)  {name}")
            continue
        try:
            validate_batch(broken, test_keys, quiet=True, **(strict if name in STRICT else check))
            wrong += 1
            print(f"  ACCEPTED A BROKEN SET  {name}: {what}")
        except Violation as v:
            refused += 1
            print(f"  refused  {name:<20} -> {v}")
    print(f"[check_sets] self-test: {refused} of {len(table) - skipped} mutations refused, "
          f"{skipped} skipped, {wrong} wrong verdict(s)")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
