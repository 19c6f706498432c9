-- lake: unchanged (a macro the loads call on the writer; the DuckLake has no macros)
-- 021_term_counts_of_articles: weekly_term_counts counts the terms of a table of on-topic articles
-- (article_id, week, source) rather than of weeks. A load's recount reads term_articles once into
-- such a table and counts both the weeks' articles and their terms from it (sql/load/
-- weekly_terms.sql); the view computes each article's week, so every read of it scans every
-- article and decision (0.62-0.69 s for the two reads at 1.08M articles, 0.45-0.51 s for one;
-- docs/performance.md). Reads the articles' terms by week as well as by article (migration 016).
CREATE OR REPLACE MACRO weekly_term_counts(articles) AS TABLE
WITH mentioned AS (
    SELECT o.week, o.source, unnest(t.terms, recursive := true)
    FROM article_terms t
    JOIN query_table(articles) o ON o.article_id = t.article_id AND o.week = t.week
    WHERE t.week IN (SELECT week FROM query_table(articles))
)
SELECT week, term, CAST(sum(mentions) AS BIGINT) AS mentions, count(*) AS articles,
       count(DISTINCT source) AS sources, false AS new
FROM mentioned
GROUP BY week, term;
