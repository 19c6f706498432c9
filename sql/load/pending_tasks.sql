-- Article pages still to fetch: linked from an entry, not yet an article, and not given up on.
-- Given up: a failure that is not retryable (pipeline/failures.py says which) or $max_attempts
-- attempts; a retryable failure waits until its next_retry_at (exponential backoff).
-- Parameters: $max_attempts, $feed_ids (NULL = all), $since, $until (published or first seen).
SELECT DISTINCT ON (e.article_id)
    e.link, e.feed_id, e.title, e.published_at, e.authors, f.language
FROM entries e
LEFT JOIN feeds f USING (feed_id)
LEFT JOIN errors x ON x.stage = 'fetch' AND x.target = e.link AND x.resolved_at IS NULL
WHERE e.article_id IS NOT NULL
  AND e.article_id NOT IN (SELECT article_id FROM articles)
  AND e.article_id NOT IN (SELECT alias_id FROM url_aliases)
  AND (x.stage IS NULL OR (
        x.retryable AND x.attempts < $max_attempts
        AND (x.next_retry_at IS NULL OR x.next_retry_at <= now())))
  AND ($feed_ids IS NULL OR list_contains($feed_ids, e.feed_id))
  AND ($since IS NULL OR coalesce(e.published_at, e.first_seen_at) >= $since)
  AND ($until IS NULL OR coalesce(e.published_at, e.first_seen_at) < $until)
ORDER BY e.article_id, e.first_seen_at, e.feed_id;
