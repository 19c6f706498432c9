-- Every feed item as seen: new ones inserted, known ones get last_seen_at and fresh fields.
INSERT INTO entries BY NAME
SELECT DISTINCT ON (feed_id, guid)
    feed_id, guid, link, article_id, title, summary, published_at, authors,
    seen_at AS first_seen_at, seen_at AS last_seen_at
FROM staging_entries
ON CONFLICT (feed_id, guid) DO UPDATE SET
    link = excluded.link, article_id = excluded.article_id, title = excluded.title,
    summary = excluded.summary, published_at = excluded.published_at,
    authors = excluded.authors, last_seen_at = excluded.last_seen_at;
