-- The DuckLake's files of texts (lake.TEXTS) that hold fewer than $rows rows: what small
-- publishes wrote, each a short run sorted by id whose row groups span nearly every id, so a
-- search's lookup (sql/search/hit_places.sql) reads a group of each (lake.sort_short_runs).
-- Shortest first, with their rows.
SELECT filename, count(*) AS n
FROM newsflow_lake.articles
GROUP BY filename
HAVING count(*) < $rows
ORDER BY n, filename;
