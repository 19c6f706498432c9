-- Sync the configured feeds (staging_feeds) into feeds; feeds removed from the config stay,
-- marked disabled, so their history keeps its source.
UPDATE feeds SET enabled = false, updated_at = now()
WHERE feed_id NOT IN (SELECT feed_id FROM staging_feeds) AND enabled;

INSERT INTO feeds BY NAME
SELECT feed_id, name, url, language, tags, enabled, now() AS updated_at FROM staging_feeds
ON CONFLICT (feed_id) DO UPDATE SET
    name = excluded.name, url = excluded.url, language = excluded.language,
    tags = excluded.tags, enabled = excluded.enabled, updated_at = excluded.updated_at;
