-- Mail waiting to be sent, written in the same transaction as the event that causes it, so
-- no mail is lost and none is sent for an event that did not happen. A worker claims a row
-- for a while (`claimed_until`), sends it and marks it sent; a failed send is tried again
-- later (`next_attempt_at`), a crashed worker's claim runs out and another takes it.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
-- The single-use links that mails carry ("Not me? Sign out everywhere", a password reset).
-- Only the SHA-256 of a link's token is kept.
CREATE TABLE mail_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX mail_links_user ON mail_links (user_id, purpose, created_at);
