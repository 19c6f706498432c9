-- Before a batch replaces an article's text, the text it replaces moves from articles into its
-- own version row (which held none while it was current): no text is lost, none stored twice.
UPDATE article_versions v SET text = a.text
FROM articles a
JOIN staging_articles s USING (article_id)  -- one row per article
WHERE v.article_id = a.article_id
  AND v.content_hash = a.content_hash
  AND v.text IS NULL
  AND a.text IS NOT NULL
  AND a.content_hash IS DISTINCT FROM s.content_hash
  AND s.fetched_at >= a.fetched_at;  -- an older observation replaces nothing
