-- Write, in the DuckLake, the rows of the articles this publish carries, in one table keyed by
-- article_id (their old rows are gone: article_delete.sql).
INSERT INTO newsflow_lake.{table} BY NAME
SELECT * FROM main.{table}
WHERE article_id IN (SELECT key FROM publishing WHERE kind = 'article');
