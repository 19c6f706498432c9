-- Replace the clusters of the articles just clustered (a recomputation over a window).
DELETE FROM story_clusters WHERE article_id IN (SELECT article_id FROM staging_clusters);
INSERT INTO story_clusters BY NAME SELECT *, now() AS clustered_at FROM staging_clusters;
