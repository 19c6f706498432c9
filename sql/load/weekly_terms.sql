-- After the load's statements, in its transaction: recount the weeks the articles it wrote were
-- counted in before it (weekly_terms_before.sql) and are counted in now, from article_terms;
-- reflag them and the four weeks after each, whose flags read them; note those weeks for the next
-- publish, which replaces them in the DuckLake in the same snapshot as the articles (migration 015).
INSERT INTO recount SELECT * FROM pending_story_weeks(false);  -- their weeks now, on the story
CREATE OR REPLACE TEMP TABLE reflag AS
SELECT DISTINCT CAST(week + 7 * CAST(k AS INTEGER) AS DATE) AS week FROM recount, range(5) AS r(k);

-- The on-topic articles of those weeks, read once: term_articles reads every article and decision
-- (its week is computed, so nothing prunes), 0.2-0.3 s at 1M articles each time it is read.
CREATE OR REPLACE TEMP TABLE recounted AS
SELECT article_id, week, source FROM term_articles WHERE week IN (SELECT week FROM recount);

DELETE FROM on_topic_weeks WHERE week IN (SELECT week FROM recount);
INSERT INTO on_topic_weeks SELECT week, count(*) FROM recounted GROUP BY week;

DELETE FROM weekly_terms WHERE week IN (SELECT week FROM recount);
INSERT INTO weekly_terms SELECT * FROM weekly_term_counts(recounted);  -- migration 021
CREATE OR REPLACE TEMP TABLE reflagged AS SELECT * FROM weekly_term_flags(reflag);
DELETE FROM weekly_terms WHERE week IN (SELECT week FROM reflag);
INSERT INTO weekly_terms SELECT * FROM reflagged;

INSERT INTO publish_pending (kind, key)
SELECT 'week', CAST(week AS VARCHAR) FROM (SELECT week FROM recount UNION SELECT week FROM reflagged);
DROP TABLE recount;
DROP TABLE recounted;
DROP TABLE reflag;
DROP TABLE reflagged;
DROP TABLE counted_feeds;
DROP MACRO TABLE pending_story_weeks;
