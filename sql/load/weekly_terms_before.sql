-- Before a load that can move articles between (week, on topic) cells (migration 015): the weeks
-- the articles it writes (staging_pending) are counted in now, and what could move articles it
-- does not write: the feeds' names. (A new classifier version moves only the articles it
-- decides, which the load writes: migration 027.) An article's week is read
-- beside its terms (migration 016) rather than through term_articles, which reads every article
-- (0.16 s against 0.70 s at 1M articles, docs/performance.md).
--
-- Only the weeks where one of them is on the story count: an article off the story before and
-- after the load is in no week's counts. A backfill of a general archive writes mostly such
-- articles, over years of weeks: recounting every week it touched read the terms of the whole
-- store on every load (+104-121 MB of the backfill's peak at 110,000 articles, 276 weeks recounted
-- for 5 that hold on-topic articles; docs/performance.md).
-- weekly_terms.sql asks the same after the load's statements.
-- Before the load only the articles the writer held count (a new one is in no week), and the
-- decisions are read for the load's articles alone: both joins read every stored id otherwise.
CREATE OR REPLACE TEMP MACRO pending_story_weeks(held) AS TABLE
WITH pending AS (
    SELECT key AS article_id FROM staging_pending WHERE kind = 'article' AND NOT (held AND fresh)
)
SELECT DISTINCT t.week
FROM article_terms t
JOIN current_classifications c USING (article_id)
WHERE t.article_id IN (SELECT article_id FROM pending)
  AND c.article_id IN (SELECT article_id FROM pending)
  AND t.week IS NOT NULL AND c.relevant;
CREATE OR REPLACE TEMP TABLE recount AS SELECT * FROM pending_story_weeks(true);
CREATE OR REPLACE TEMP TABLE counted_feeds AS
SELECT feed_id, name FROM feeds;
