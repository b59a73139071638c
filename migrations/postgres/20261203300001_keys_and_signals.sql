-- Asymmetric signing keys, shared by every process. The private half is sealed (AEAD,
-- with a key from the environment, see `keys::seal`); the public half is the JWK that
-- /.well-known/jwks.json publishes. A key verifies from the moment it is stored, signs
-- from `activates_at` (after every process has had time to load it), and stops signing
-- at `retired_at`; it is published and verifies until its last token has expired.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    alg TEXT NOT NULL,
    sealed_private_key TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    activates_at BIGINT NOT NULL,
    retired_at BIGINT
);
-- One row: when the first asymmetric key was made, and until when HS256 tokens (of an
-- older version) may have been issued: that moment plus a rolling upgrade's grace if
-- sessions existed then, 0 (none) on a new installation. Those verify until they expire;
-- no other HS256 token ever does.
CREATE TABLE signing_key_epoch (
    id BIGINT PRIMARY KEY NOT NULL,
    asymmetric_since BIGINT NOT NULL,
    hs256_issued_before BIGINT NOT NULL
);

-- Shared Signals receivers (`server ssf add-receiver NAME`): only the SHA-256 of each
-- bearer secret is kept.
CREATE TABLE ssf_receivers (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
-- At most one stream per receiver.
CREATE TABLE ssf_streams (
    id TEXT PRIMARY KEY NOT NULL,
    receiver_id TEXT NOT NULL UNIQUE REFERENCES ssf_receivers(id) ON DELETE CASCADE,
    delivery_method TEXT NOT NULL,
    endpoint_url TEXT,
    authorization_header TEXT,
    events_requested TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    status_reason TEXT,
    -- A push worker holds the stream while it delivers, so events leave in order; only
    -- the holder (`lease_owner`) renews or releases it.
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
-- One row per event and stream, written in the same transaction as the change it
-- announces; deleted once delivered (push: a 202; poll: acknowledged). Delivered in id
-- order per stream: the events of one subject are written under its user's row lock, so
-- their ids follow their commit order.
CREATE TABLE ssf_outbox (
    id BIGSERIAL PRIMARY KEY,
    stream_id TEXT NOT NULL REFERENCES ssf_streams(id) ON DELETE CASCADE,
    jti TEXT NOT NULL UNIQUE,
    claims TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT
);
CREATE INDEX ssf_outbox_stream ON ssf_outbox (stream_id, id);

-- Sessions that end by running out of time are announced too (`ssf::expiry`); a revoked
-- session was announced by its revocation. The ones that ended before there was anyone
-- to tell are marked as told; live ones are left for the sweep when they run out.
ALTER TABLE sessions ADD COLUMN end_announced BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET end_announced = 1
WHERE revoked_at IS NOT NULL OR expires_at <= CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) OR idle_expires_at <= CAST(EXTRACT(EPOCH FROM now()) AS BIGINT);
