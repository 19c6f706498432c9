-- Stored texts in a backfill window (the re-classify stage): usable text only.
SELECT a.article_id, a.title, a.text
FROM articles a
WHERE a.extraction_status = 'ok'
  AND ($feed_ids IS NULL OR list_contains($feed_ids, a.feed_id))
  AND ($since IS NULL OR coalesce(a.published_at, a.first_seen_at) >= $since)
  AND ($until IS NULL OR coalesce(a.published_at, a.first_seen_at) < $until)
ORDER BY a.article_id;
