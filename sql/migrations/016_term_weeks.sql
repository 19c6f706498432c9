-- 016_term_weeks: a recount of a week's terms (migration 015) reads only that week's terms.
-- It joined every row of article_terms to the week's on-topic articles by article_id. Article ids
-- are hashes of URLs, so the ids of one week are spread over the whole table and the join read
-- every article's terms: 1.9-2.5 s at 370,000 articles for one week, growing with the database.
-- Each article's terms now carry the week it is counted under, which loads keep equal to
-- term_articles' (sql/load/term_weeks.sql). Loads write the terms of one period together, so a
-- week's rows sit in a few row groups and a recount skips the rest by their min/max: a week of
-- 420,000 articles read 6,600 rows of terms instead of 420,000 (docs/performance.md).
ALTER TABLE article_terms ADD COLUMN week DATE;  -- Monday of the article's day; NULL until loaded

UPDATE article_terms t
SET week = w.week
FROM (SELECT article_id,
             CAST(date_trunc('week', CAST(coalesce(published_at, first_seen_at) AS DATE)) AS DATE) AS week
      FROM articles) w
WHERE t.article_id = w.article_id;

-- As in migration 015, reading the week's terms by their week as well as by article.
CREATE OR REPLACE MACRO weekly_term_counts(weeks) AS TABLE
WITH mentioned AS (
    SELECT o.week, o.source, unnest(t.terms, recursive := true)
    FROM article_terms t
    JOIN term_articles o ON o.article_id = t.article_id AND o.week = t.week
    WHERE o.week IN (SELECT week FROM query_table(weeks))
      AND t.week IN (SELECT week FROM query_table(weeks))
)
SELECT week, term, CAST(sum(mentions) AS BIGINT) AS mentions, count(*) AS articles,
       count(DISTINCT source) AS sources, false AS new
FROM mentioned
GROUP BY week, term;
