-- The demo blog: published posts are public, unpublished ones are private drafts.
CREATE TABLE posts (
    id TEXT PRIMARY KEY NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX posts_author_id ON posts(author_id);
CREATE INDEX posts_published_created_at ON posts(published, created_at);
