-- The rows of the texts' files $files (sql/publish/short_text_runs.sql), with their row ids,
-- held while lake.sort_short_runs writes them again as one sorted run.
CREATE OR REPLACE TEMP TABLE newsflow_short_runs AS
SELECT rowid AS newsflow_row_id, *
FROM newsflow_lake.articles
WHERE filename IN (SELECT unnest($files));
