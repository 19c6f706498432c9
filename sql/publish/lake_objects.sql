-- What the DuckLake holds now (dropped before it is built whole): views first, then tables.
SELECT 'VIEW', view_name FROM duckdb_views() WHERE database_name = 'newsflow_lake' AND NOT internal
UNION ALL
SELECT 'TABLE', table_name FROM duckdb_tables() WHERE database_name = 'newsflow_lake'
ORDER BY 1 DESC;
