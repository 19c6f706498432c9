-- The highest publish_pending number the DuckLake's snapshot holds (-1: none, or an older lake).
SELECT coalesce(max(seq), -1) FROM newsflow_lake.published_through;
