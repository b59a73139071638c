-- When an account ends. A deleted account stays as a tombstone row (its email replaced, its
-- password hash emptied, deleted_at set): its sessions, revocations and audit events keep
-- the user they name, and its kept public posts show "Former member". A disabled account
-- keeps everything but can neither sign in nor refresh. is_admin is granted only with
-- `server admin grant EMAIL`.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;
-- When a password was last entered for this session (its sign-in, or a re-authentication):
-- what a stolen session must not do needs it to be recent (REAUTH_WINDOW).
ALTER TABLE sessions ADD COLUMN auth_time INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET auth_time = created_at;
