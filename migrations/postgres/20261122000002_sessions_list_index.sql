-- The devices list reads one page at a time, newest activity first, by a keyset cursor:
-- this index serves it in order, so a page costs the same with 10 sessions or 10,000.
CREATE INDEX sessions_user_recent ON sessions(user_id, last_seen_at, created_at, id)
    WHERE revoked_at IS NULL;
