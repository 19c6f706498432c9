-- The writer's views, in the order they were created, to recreate in the DuckLake.
SELECT view_name, sql
FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
ORDER BY view_oid;
