-- The representatives of the stored clusters $clusters that fresh texts joined, where the window
-- holds them and they are not fresh: whether a cluster keeps its representative decides whether
-- its other texts must be read at all (pipeline.dedup.Clusters.moved).
SELECT s.article_id, s.published, g.signature, a.content_hash
FROM cluster_scope s
JOIN article_signatures g USING (article_id)
JOIN articles a USING (article_id)
WHERE NOT s.fresh AND s.cluster_id = s.article_id
  AND s.article_id IN (SELECT unnest($clusters::VARCHAR[]));
