-- One row per signed-in device. A session is ended by setting revoked_at, never by
-- deleting it, so the audit trail and reuse detection keep their context.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    user_agent TEXT,
    ip TEXT,
    revoked_at BIGINT,
    revoked_reason TEXT
);
CREATE INDEX sessions_user_id ON sessions(user_id);
