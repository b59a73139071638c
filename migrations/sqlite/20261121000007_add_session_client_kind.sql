-- Which kind of client a session belongs to: 'browser' (cookies, several tabs that may race a
-- refresh) or 'api' (one holder of its tokens). Only browser sessions get the refresh grace.
ALTER TABLE sessions ADD COLUMN client_kind TEXT NOT NULL DEFAULT 'browser';
