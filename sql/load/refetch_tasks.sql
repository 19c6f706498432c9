-- Articles to fetch again (the re-fetch stage of a backfill) or to extract again from their
-- archived response (re-extract): published in [$since, $until), optionally only from $feed_ids.
-- A changed text becomes a new version.
SELECT a.link, a.feed_id, a.title, a.published_at, a.authors, f.language, a.warc_file, a.warc_offset
FROM articles a
LEFT JOIN feeds f USING (feed_id)
WHERE ($feed_ids IS NULL OR list_contains($feed_ids, a.feed_id))
  AND ($since IS NULL OR coalesce(a.published_at, a.first_seen_at) >= $since)
  AND ($until IS NULL OR coalesce(a.published_at, a.first_seen_at) < $until)
ORDER BY a.article_id;
