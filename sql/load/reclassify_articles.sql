-- Stored articles to classify again: usable text, published (or first seen) since $since.
SELECT article_id, title, text
FROM articles
WHERE extraction_status = 'ok'
  AND ($since IS NULL OR coalesce(published_at, first_seen_at) >= $since)
ORDER BY article_id;
