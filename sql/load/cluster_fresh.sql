-- The fresh texts of the window being clustered (cluster_scope.sql), earliest first.
SELECT s.article_id, s.published, g.signature, a.content_hash
FROM cluster_scope s
JOIN article_signatures g USING (article_id)
JOIN articles a USING (article_id)
WHERE s.fresh
ORDER BY s.published, s.article_id;
