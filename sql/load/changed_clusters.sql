-- Of a recomputed window's clusters, those that differ from what story_clusters holds (new
-- articles, moved articles, a new representative): only these are written, so a publish
-- carries the clusters that changed, not the whole window again.
SELECT s.*
FROM staging_clusters s
LEFT JOIN story_clusters c USING (article_id)
WHERE c.article_id IS NULL
   OR c.cluster_id IS DISTINCT FROM s.cluster_id
   OR c.similarity IS DISTINCT FROM s.similarity
   OR c.is_representative IS DISTINCT FROM s.is_representative;
