-- Articles to cluster: texts published or first seen since $since, published before $until.
SELECT a.article_id, coalesce(a.published_at, a.first_seen_at) AS published, g.signature,
       a.content_hash
FROM articles a
JOIN article_signatures g USING (article_id)
WHERE a.extraction_status = 'ok'
  AND ($since IS NULL OR coalesce(a.published_at, a.first_seen_at) >= $since
       OR a.first_seen_at >= $since)
  AND ($until IS NULL OR coalesce(a.published_at, a.first_seen_at) < $until)
ORDER BY published, a.article_id;
