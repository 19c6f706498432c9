-- Stored texts to classify again (`reclassify`, a backfill's re-classify stage): usable text,
-- with the publication date (evidence for the classifier), published (or first seen) in [$since, $until), from $feed_ids; NULL leaves that side open.
SELECT a.article_id, a.title, a.text, a.published_at
FROM articles a
WHERE a.extraction_status = 'ok'
  AND ($feed_ids IS NULL OR list_contains($feed_ids, a.feed_id))
  AND ($since IS NULL OR coalesce(a.published_at, a.first_seen_at) >= $since)
  AND ($until IS NULL OR coalesce(a.published_at, a.first_seen_at) < $until)
ORDER BY a.article_id;
