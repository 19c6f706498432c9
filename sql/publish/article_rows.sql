-- Replace, in the DuckLake, the rows of the articles this publish carries, in one table keyed by
-- article_id ({table} is filled in from the writer's catalog, never from input).
DELETE FROM newsflow_lake.{table}
WHERE article_id IN (SELECT key FROM publishing WHERE kind = 'article');
INSERT INTO newsflow_lake.{table} BY NAME
SELECT * FROM main.{table}
WHERE article_id IN (SELECT key FROM publishing WHERE kind = 'article');
