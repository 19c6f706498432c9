-- Every feed item as seen: known ones get last_seen_at and fresh fields, new ones are inserted.
-- The table has no key (migration 019): the update finds the known entries by joining the poll's,
-- and the insert leaves them out.
CREATE OR REPLACE TEMP TABLE batch_entries AS
SELECT DISTINCT ON (feed_id, guid)
    feed_id, guid, link, article_id, title, summary, published_at, authors,
    seen_at AS first_seen_at, seen_at AS last_seen_at
FROM staging_entries;
UPDATE entries SET
    link = b.link, article_id = b.article_id, title = b.title,
    summary = b.summary, published_at = b.published_at,
    authors = b.authors, last_seen_at = b.last_seen_at
FROM batch_entries b
WHERE entries.feed_id = b.feed_id AND entries.guid = b.guid;
INSERT INTO entries BY NAME
SELECT b.* FROM batch_entries b ANTI JOIN entries e USING (feed_id, guid);
DROP TABLE batch_entries;
