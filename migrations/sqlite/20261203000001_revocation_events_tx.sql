-- The same column as on PostgreSQL, where tailers follow events by their writing
-- transaction. SQLite serialises its writers, so ids appear in commit order and the tailer
-- follows the id; the column stays 0.
ALTER TABLE revocation_events ADD COLUMN tx INTEGER NOT NULL DEFAULT 0;
CREATE INDEX revocation_events_tx ON revocation_events (tx);
