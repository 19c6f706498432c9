-- 011_publish_pending: what the next publish carries to the analysts' DuckLake. Every load adds
-- the keys it wrote (in the same transaction), and a publish copies the rows of those keys only,
-- then removes them: a load's publishing cost follows what it wrote, not the database's size.
-- kind 'article': the article's rows in every table keyed by article_id (and its search
-- document); kind 'poll': one feed_polls row. Duplicates are harmless (a publish reads DISTINCT).
CREATE TABLE IF NOT EXISTS publish_pending (
    kind VARCHAR NOT NULL,
    key  VARCHAR NOT NULL
);
