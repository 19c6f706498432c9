-- Stored texts that a staged batch is about to replace (for the version diff).
SELECT a.article_id, a.text
FROM articles a
JOIN staging_articles s USING (article_id)  -- one row per article
WHERE a.text IS NOT NULL AND s.content_hash IS NOT NULL AND a.content_hash <> s.content_hash
  AND s.fetched_at >= a.fetched_at;  -- an older observation replaces nothing
