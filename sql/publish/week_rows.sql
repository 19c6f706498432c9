-- Replace, in the DuckLake, the weeks this publish carries in one table keyed by week (the weekly
-- term counts of migration 015; {table} is filled in from the writer's catalog, never from input):
-- the loads recounted those weeks, and a week no article is counted in any more loses its rows.
DELETE FROM newsflow_lake.{table}
WHERE week IN (SELECT CAST(key AS DATE) FROM publishing WHERE kind = 'week');
INSERT INTO newsflow_lake.{table} BY NAME
SELECT * FROM main.{table}
WHERE week IN (SELECT CAST(key AS DATE) FROM publishing WHERE kind = 'week');
