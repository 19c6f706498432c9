-- Ranked full-text hits (BM25 over title and text) among usable articles, newest classifier's
-- view of them; $topic filters on the primary subtopic (or, for the story's own id, on topic).
WITH hits AS (
    SELECT article_id, fts_main_articles.match_bm25(article_id, $query) AS score
    FROM articles
)
SELECT
    h.score,
    r.article_id,
    r.published,
    r.source,
    r.on_topic,
    r.primary_topic,
    r.title,
    r.final_url,
    r.text
FROM hits h
JOIN report_articles r USING (article_id)
WHERE h.score IS NOT NULL
  AND ($since IS NULL OR r.published >= $since)
  AND ($topic IS NULL OR r.primary_topic = $topic
       OR (r.on_topic AND $topic IN (SELECT topic_id FROM topics WHERE parent_id IS NULL)))
ORDER BY h.score DESC, r.published DESC
LIMIT $limit;
