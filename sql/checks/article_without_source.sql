-- Every article has a source: a site it came from, and a known feed when it came from one.
SELECT a.article_id, a.url, a.feed_id, a.source_domain
FROM articles a
LEFT JOIN feeds f USING (feed_id)
WHERE coalesce(a.source_domain, '') = ''
   OR (a.feed_id IS NOT NULL AND f.feed_id IS NULL);
