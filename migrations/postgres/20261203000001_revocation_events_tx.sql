-- The transaction that wrote each revocation event, so that the tailers follow events in
-- the order their transactions finished rather than by id: an id is taken at insert but
-- the row appears at commit, however late. `xid8` (epoch and xid, never wrapping) as a
-- bigint, which every driver reads.
ALTER TABLE revocation_events
    ADD COLUMN tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX revocation_events_tx ON revocation_events (tx);
