-- Write, in the DuckLake, the rows of the articles this publish carries, in one table keyed by
-- article_id (their old rows are gone: article_delete.sql). The fresh articles' rows are read from
-- where they start ({fresh}: `rowid >= N` from fresh_from.sql, or false), the others' by id.
INSERT INTO newsflow_lake.{table} BY NAME
SELECT * FROM main.{table}
WHERE {fresh} AND article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND fresh)
UNION ALL
SELECT * FROM main.{table}
WHERE article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND NOT fresh);
