-- The report_articles rows of the articles this publish carries, in the connection's temporary
-- carried_report table: what the DuckLake's report_articles table gets (report_rows.sql) and what
-- a search hit shows (search_docs.sql). The writer holds report_articles as a view (migrations
-- 005, 023); this is that view's query for the carried articles alone, each of its tables read
-- only for them ({articles}, {classifications}, {article_topics}: `rowid >= N` where the fresh
-- articles' rows start, from fresh_from.sql, or false), so that a publish reads what it carries,
-- not the whole database. Keep it in step with the view: tests/test_snapshot.py checks that the
-- two agree.
CREATE OR REPLACE TEMP TABLE carried_report AS
WITH carried AS (
    SELECT key AS article_id, fresh FROM publishing WHERE kind = 'article'
),
a AS (
    SELECT * FROM main.articles
    WHERE ({articles} AND article_id IN (SELECT article_id FROM carried WHERE fresh)
           OR article_id IN (SELECT article_id FROM carried WHERE NOT fresh))
      AND extraction_status = 'ok'
),
c AS (
    SELECT article_id, relevant, score FROM main.classifications
    WHERE ({classifications} AND article_id IN (SELECT article_id FROM carried WHERE fresh)
           OR article_id IN (SELECT article_id FROM carried WHERE NOT fresh))
      AND is_current
),
l AS (
    SELECT article_id, relevant, topic_id FROM main.labels
    WHERE article_id IN (SELECT article_id FROM carried)
    QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY labelled_at DESC) = 1
),
p AS (
    SELECT article_id, topic_id FROM main.article_topics
    WHERE ({article_topics} AND article_id IN (SELECT article_id FROM carried WHERE fresh)
           OR article_id IN (SELECT article_id FROM carried WHERE NOT fresh))
      AND is_primary AND is_current
)
SELECT
    a.article_id,
    CAST(coalesce(a.published_at, a.first_seen_at) AS DATE) AS day,
    coalesce(a.published_at, a.first_seen_at) AS published,
    a.first_seen_at,
    a.feed_id,
    a.source_domain,
    coalesce(a.site_name, f.name, a.source_domain) AS source,
    coalesce(a.language, 'und') AS language,
    a.title,
    a.word_count,
    a.final_url,
    coalesce(CASE WHEN c.article_id IS NOT NULL THEN coalesce(l.relevant, c.relevant) END, false) AS on_topic,
    c.score AS relevance,
    -- the subtopic an analyst's correction counts it under, else the model's (migration 029)
    coalesce(l.topic_id, p.topic_id) AS primary_topic
FROM a
LEFT JOIN main.feeds f USING (feed_id)
LEFT JOIN c USING (article_id)
LEFT JOIN l USING (article_id)
LEFT JOIN p USING (article_id);
