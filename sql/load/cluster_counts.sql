-- How many articles the clustered window holds, in how many stories.
SELECT count(*) AS clustered, count(DISTINCT c.cluster_id) AS stories
FROM cluster_scope s
JOIN story_clusters c USING (article_id);
