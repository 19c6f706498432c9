-- Whether the DuckLake has its table of texts (lake.TEXTS), and that table's own row-group size
-- (NULL: none yet; lake._text_groups sets it).
SELECT
    (SELECT count(*) > 0 FROM duckdb_tables()
     WHERE database_name = 'newsflow_lake' AND schema_name = 'main' AND table_name = 'articles'),
    (SELECT max(value) FROM newsflow_lake.options()
     WHERE option_name = 'parquet_row_group_size' AND scope = 'TABLE' AND scope_entry = 'main.articles');
