-- The rows sql/publish/take_texts.sql took: every row of their files goes, so DuckLake drops the
-- files from the new snapshot (no delete files).
DELETE FROM newsflow_lake.articles
WHERE rowid IN (SELECT newsflow_row_id FROM newsflow_short_runs);
