-- Replace, in the DuckLake, the story_clusters rows of the articles whose cluster changed
-- ({table} is filled in from the writer's catalog, never from input). Only these rows move: a
-- re-clustering that changes the representative of a story with many published copies carries
-- their cluster rows, not their texts and decisions again.
DELETE FROM newsflow_lake.{table}
WHERE article_id IN (SELECT key FROM publishing WHERE kind = 'cluster');
INSERT INTO newsflow_lake.{table} BY NAME
SELECT * FROM main.{table}
WHERE article_id IN (SELECT key FROM publishing WHERE kind = 'cluster');
