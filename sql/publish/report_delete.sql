-- Delete, in the DuckLake's report_articles table, the rows of the articles this publish carries
-- that a publish before it carried (fresh ones have none there), before report_rows.sql writes
-- them again.
DELETE FROM newsflow_lake.report_articles
WHERE article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND NOT fresh);
