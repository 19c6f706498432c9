-- Of a recomputed window's clusters, those that differ from what story_clusters holds (new
-- articles, moved articles, a new representative), and those of texts whose signature changed
-- since they were clustered (so that they are not fresh again next time): only these are
-- written, so a publish carries the clusters that changed, not the whole window again.
SELECT s.*
FROM staging_clusters s
LEFT JOIN story_clusters c USING (article_id)
LEFT JOIN article_signatures g USING (article_id)
WHERE c.article_id IS NULL
   OR g.updated_at > c.clustered_at
   OR c.cluster_id IS DISTINCT FROM s.cluster_id
   OR c.similarity IS DISTINCT FROM s.similarity
   OR c.is_representative IS DISTINCT FROM s.is_representative;
