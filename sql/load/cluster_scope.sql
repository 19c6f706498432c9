-- The window to cluster: articles with a text published or first seen since $since and published
-- before $until, each with its stored cluster and whether it is fresh. Fresh are the texts that
-- are new to clustering or whose signature changed since (`article_signatures.updated_at` moves
-- only when it does), with the other members of their old clusters in the window, which a
-- changed text may leave; all of the window when $full. The rest keep their clusters, and only
-- copies of fresh texts can join them (pipeline.dedup.Clusters).
CREATE OR REPLACE TEMP TABLE cluster_scope AS
WITH win AS (
    SELECT a.article_id, coalesce(a.published_at, a.first_seen_at) AS published, c.cluster_id, c.article_id IS NULL OR g.updated_at > c.clustered_at AS changed
    FROM articles a
    JOIN article_signatures g USING (article_id)
    LEFT JOIN story_clusters c USING (article_id)
    WHERE a.extraction_status = 'ok'
      AND ($since IS NULL OR coalesce(a.published_at, a.first_seen_at) >= $since
           OR a.first_seen_at >= $since)
      AND ($until IS NULL OR coalesce(a.published_at, a.first_seen_at) < $until)
)
SELECT w.*, $full OR w.changed
            OR w.cluster_id IN (SELECT cluster_id FROM win WHERE changed AND cluster_id IS NOT NULL)
            AS fresh
FROM win w;
