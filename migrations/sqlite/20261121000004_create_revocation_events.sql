-- Append-only log that every server process tails to keep its in-memory
-- revocation view exact. kind is 'session', 'access_token' or 'user_version'.
CREATE TABLE revocation_events (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    user_id TEXT,
    session_id TEXT,
    jti TEXT,
    token_version INTEGER,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX revocation_events_created_at ON revocation_events(created_at);
CREATE INDEX revocation_events_expires_at ON revocation_events(expires_at);
