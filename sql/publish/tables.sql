-- The writer's tables and how a publish carries each: 'article' (rows replaced per article id),
-- 'cluster' (story_clusters: rows replaced per article id, for the articles whose cluster
-- changed), 'entry' (feed entries: rows replaced per feed and guid, for the entries a poll saw),
-- 'error' (the error ledger: rows replaced per stage and target, for the errors a load wrote or
-- closed), 'poll' (rows added per poll id), 'week' (rows replaced per week: the weekly counts
-- of migration 015), 'whole' (small tables copied whole). publish_pending stays.
SELECT
    t.table_name,
    CASE
        WHEN t.table_name = 'feed_polls' THEN 'poll'
        WHEN t.table_name = 'story_clusters' THEN 'cluster'
        WHEN t.table_name = 'entries' THEN 'entry'
        WHEN t.table_name = 'errors' THEN 'error'
        WHEN bool_or(c.column_name = 'article_id') THEN 'article'
        WHEN bool_or(c.column_name = 'week') THEN 'week'
        ELSE 'whole'
    END AS kind
FROM duckdb_tables() t
JOIN duckdb_columns() c USING (database_name, schema_name, table_name)
WHERE t.database_name = current_database() AND t.schema_name = 'main'
  AND t.table_name <> 'publish_pending'
GROUP BY t.table_name
ORDER BY t.table_name;
