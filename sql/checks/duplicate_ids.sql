-- No id twice: one row per article, per URL, per (article, classifier version) decision and
-- per (article, topic, classifier version) score.
SELECT 'articles.article_id' AS what, article_id AS id, count(*) AS n
FROM articles GROUP BY article_id HAVING count(*) > 1
UNION ALL
SELECT 'articles.url', url, count(*) FROM articles GROUP BY url HAVING count(*) > 1
UNION ALL
SELECT 'classifications', article_id || ' / ' || classifier_version, count(*)
FROM classifications GROUP BY article_id, classifier_version HAVING count(*) > 1
UNION ALL
SELECT 'article_topics', article_id || ' / ' || topic_id || ' / ' || classifier_version, count(*)
FROM article_topics GROUP BY article_id, topic_id, classifier_version HAVING count(*) > 1;
