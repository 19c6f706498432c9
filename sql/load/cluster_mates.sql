-- The texts of the window in the stored clusters $clusters, which fresh texts joined and whose
-- representative changes (pipeline.dedup.Clusters.moved): each is written again.
SELECT s.article_id, s.published, g.signature, a.content_hash, s.cluster_id
FROM cluster_scope s
JOIN article_signatures g USING (article_id)
JOIN articles a USING (article_id)
WHERE NOT s.fresh AND s.cluster_id IN (SELECT unnest($clusters::VARCHAR[]))
ORDER BY s.published, s.article_id;
