-- Before a load that can move articles between (week, on topic) cells (migration 015): the weeks
-- the articles it writes (staging_pending) are counted in now, and what could move articles it
-- does not write: the current classifier version and the feeds' names.
CREATE OR REPLACE TEMP TABLE recount AS
SELECT DISTINCT week FROM term_articles
WHERE article_id IN (SELECT key FROM staging_pending WHERE kind = 'article');
CREATE OR REPLACE TEMP TABLE counted_version AS
SELECT classifier_version FROM classifications ORDER BY classified_at DESC LIMIT 1;
CREATE OR REPLACE TEMP TABLE counted_feeds AS
SELECT feed_id, name FROM feeds;
