-- The rest of the window being clustered (cluster_scope.sql): each text's stored cluster, read in
-- batches past the fresh texts' LSH index.
SELECT s.cluster_id, g.signature, a.content_hash
FROM cluster_scope s
JOIN article_signatures g USING (article_id)
JOIN articles a USING (article_id)
WHERE NOT s.fresh;
