-- The rows of the articles this publish carries, for the DuckLake's table of texts (as
-- article_rows.sql writes the other article tables; lake._insert_texts writes these in batches).
SELECT * FROM main.articles
WHERE {fresh} AND article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND fresh)
UNION ALL
SELECT * FROM main.articles
WHERE article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND NOT fresh);
