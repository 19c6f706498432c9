-- Delete, in the DuckLake, the rows of the articles this publish carries, in one table keyed by
-- article_id ({table} is filled in from the writer's catalog, never from input), before
-- article_rows.sql writes them again. Fresh articles have none there (migration 014): it scans
-- the table's ids, so pipeline.lake skips it when every carried article is fresh.
DELETE FROM newsflow_lake.{table}
WHERE article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND NOT fresh);
