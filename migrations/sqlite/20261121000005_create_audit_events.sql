-- Security-relevant events. Never holds a raw token or session secret.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    at INTEGER NOT NULL,
    user_id TEXT,
    session_id TEXT,
    kind TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    detail TEXT
);
CREATE INDEX audit_events_user_id_at ON audit_events(user_id, at);
