-- 015_weekly_terms: report_new_terms reads weekly counts kept up to date by the loads, not an
-- aggregate of every on-topic article's terms on each query (8.3 s at 300,000 articles,
-- bench/store_bench.py; the aggregate grows with the database). What the view answers is
-- unchanged: tests/test_terms.py compares it with the definition migration 013 gave it.
--
-- How the counts stay right: every load that writes articles, decisions or feeds, and every
-- correction (pipeline.store), notes the weeks the articles it writes were counted in before it
-- and are counted in after it (an article moves between (week, on topic) cells with a new text, a
-- new date, a new decision or a correction), then recounts just those weeks from article_terms
-- (weekly_term_counts) and reflags them and the four weeks after each (weekly_term_flags). A
-- change that can move articles it did not write (a newer classifier version, which makes every
-- article without its decision off topic; a renamed feed, which renames the source of its
-- articles) recounts every week. The cost follows the load's weeks, not the database.

-- On-topic articles with the week and source report_new_terms counts them under: the rows of
-- report_articles (migration 005) where on_topic (current decisions, analysts' corrections
-- winning), with its day, source and filter, but without its join to the primary subtopic, which
-- reads every subtopic score (a week's articles: 0.6-1.7 s through report_articles, 0.17 s here,
-- at 370,000 articles). tests/test_terms.py compares the counts with report_articles'.
-- Weeks start on Monday (UTC).
CREATE OR REPLACE VIEW term_articles AS
SELECT
    a.article_id,
    CAST(date_trunc('week', CAST(coalesce(a.published_at, a.first_seen_at) AS DATE)) AS DATE) AS week,
    coalesce(a.site_name, f.name, a.source_domain) AS source
FROM articles a
LEFT JOIN feeds f USING (feed_id)
JOIN current_classifications c USING (article_id)
WHERE a.extraction_status = 'ok' AND c.relevant;

-- Weeks with on-topic articles: a week with none in the four before it flags nothing.
CREATE TABLE IF NOT EXISTS on_topic_weeks (
    week     DATE PRIMARY KEY,  -- Monday
    articles BIGINT NOT NULL    -- on-topic articles that week
);

-- Each term's mentions among a week's on-topic articles, and whether it is new that week. One row
-- per (week, term); no key: a recount deletes and inserts whole weeks.
CREATE TABLE IF NOT EXISTS weekly_terms (
    week     DATE NOT NULL,
    term     VARCHAR NOT NULL,
    mentions BIGINT NOT NULL,   -- times mentioned that week
    articles BIGINT NOT NULL,   -- on-topic articles mentioning it
    sources  BIGINT NOT NULL,   -- outlets among them
    new      BOOLEAN NOT NULL   -- mentioned in none of the four weeks before, which had on-topic articles
);

-- The rows of weekly_terms for the weeks of table `weeks` (week), flags left false.
CREATE OR REPLACE MACRO weekly_term_counts(weeks) AS TABLE
WITH mentioned AS (
    SELECT o.week, o.source, unnest(t.terms, recursive := true)
    FROM article_terms t
    JOIN term_articles o USING (article_id)
    WHERE o.week IN (SELECT week FROM query_table(weeks))
)
SELECT week, term, CAST(sum(mentions) AS BIGINT) AS mentions, count(*) AS articles,
       count(DISTINCT source) AS sources, false AS new
FROM mentioned
GROUP BY week, term;

-- The rows of weekly_terms for the weeks of table `weeks` (week), flagged: a term is new in a week
-- when no week of the 28 days before has it and some week of them had on-topic articles. A flag
-- reads only the four weeks before its own: the lag over those weeks finds the term's latest.
CREATE OR REPLACE MACRO weekly_term_flags(weeks) AS TABLE
WITH near AS (  -- the weeks asked for and the four before each
    SELECT DISTINCT CAST(week - 7 * CAST(k AS INTEGER) AS DATE) AS week
    FROM query_table(weeks), range(5) AS r(k)
),
spaced AS (
    SELECT w.*, lag(w.week) OVER (PARTITION BY w.term ORDER BY w.week) AS before
    FROM weekly_terms w
    WHERE w.week IN (SELECT week FROM near)
),
based AS (  -- weeks with an on-topic week in the four before
    SELECT DISTINCT q.week
    FROM query_table(weeks) q
    JOIN on_topic_weeks p ON p.week >= q.week - 28 AND p.week < q.week
)
SELECT week, term, mentions, articles, sources,
       week IN (SELECT week FROM based) AND (before IS NULL OR before < week - 28) AS new
FROM spaced
WHERE week IN (SELECT week FROM query_table(weeks));

-- Fill both from the articles loaded before this migration.
CREATE OR REPLACE TEMP TABLE recount AS SELECT DISTINCT week FROM term_articles;
INSERT INTO on_topic_weeks SELECT week, count(*) FROM term_articles GROUP BY week;
INSERT INTO weekly_terms SELECT * FROM weekly_term_counts(recount);
CREATE OR REPLACE TEMP TABLE reflagged AS SELECT * FROM weekly_term_flags(recount);
DELETE FROM weekly_terms;
INSERT INTO weekly_terms SELECT * FROM reflagged;
DROP TABLE recount;
DROP TABLE reflagged;

-- New actors and terms of the week: terms (article_terms, rule in migration 013) of on-topic
-- articles mentioned in a week and in none of the four weeks before. A week with no on-topic
-- articles in the four weeks before it has no baseline, so nothing in it is flagged.
CREATE OR REPLACE VIEW report_new_terms AS
SELECT week, term, mentions, articles, sources
FROM weekly_terms
WHERE new;
