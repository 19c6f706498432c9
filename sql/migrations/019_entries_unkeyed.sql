-- lake: unchanged (the DuckLake's copy never had a key; its tables and views stay as they are)
-- 019_entries_unkeyed: feed entries lose their primary key (feed_id, guid), for the reason the
-- per-article tables lost theirs (migration 018): the table grows by an entry per article a feed
-- brings, and its key index (guids are often whole URLs) was read into memory by every poll's load
-- and written out whole by every checkpoint. sql/load/entries.sql updates the entries a poll saw
-- before and inserts the others; sql/checks/duplicate_ids.sql checks no (feed, guid) is stored twice.
CREATE TABLE entries_unkeyed (
    feed_id VARCHAR NOT NULL, guid VARCHAR NOT NULL, link VARCHAR, article_id VARCHAR, title VARCHAR,
    summary VARCHAR, published_at TIMESTAMPTZ, authors VARCHAR[], first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
INSERT INTO entries_unkeyed SELECT * FROM entries;
DROP TABLE entries;
ALTER TABLE entries_unkeyed RENAME TO entries;
