-- The latest `exp` of any access token issued for the session. A revocation is forgotten
-- only after it, so no token it affects can outlive it, whatever ACCESS_TOKEN_TTL is or was
-- and whatever clock the process checking the token keeps.
ALTER TABLE sessions ADD COLUMN access_expires_max BIGINT NOT NULL DEFAULT 0;
-- Tokens issued before this column existed never outlive their session's absolute end.
UPDATE sessions SET access_expires_max = expires_at;

-- Revocation events get a monotonic id, which the tailers follow instead of anyone's clock,
-- and name the session a user-level revocation keeps ("sign out other devices").
CREATE TABLE revocation_events_by_id (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id TEXT,
    session_id TEXT,
    kept_session_id TEXT,
    jti TEXT,
    token_version BIGINT,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
-- Old events were forgotten at the revoker's now + its own TTL, which could be too early:
-- keep them until their sessions' tokens cannot be valid.
INSERT INTO revocation_events_by_id (kind, user_id, session_id, jti, token_version, expires_at, created_at)
SELECT e.kind, e.user_id, e.session_id, e.jti, e.token_version,
       GREATEST(e.expires_at, COALESCE((SELECT MAX(s.access_expires_max) FROM sessions s
                                   WHERE s.id = e.session_id OR s.user_id = e.user_id), 0)),
       e.created_at
FROM revocation_events e ORDER BY e.created_at;
DROP TABLE revocation_events;
ALTER TABLE revocation_events_by_id RENAME TO revocation_events;
CREATE INDEX revocation_events_expires_at ON revocation_events(expires_at);
