-- The rows of the articles this publish carries, of one table keyed by article_id, for the
-- DuckLake (lake.apply writes them there; their old rows are gone: article_delete.sql; the texts'
-- table takes them in Arrow batches, lake._insert_texts). The fresh articles' rows are read from
-- where they start ({fresh}: `rowid >= N` from fresh_from.sql, or false), the others' by id.
SELECT * FROM main.{table}
WHERE {fresh} AND article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND fresh)
UNION ALL
SELECT * FROM main.{table}
WHERE article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND NOT fresh)
