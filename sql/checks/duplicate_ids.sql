-- No id twice: one row per article, per URL, per URL id, per (article, version), per
-- (article, classifier version) decision and per (article, topic, classifier version) score; one
-- signature, one set of terms and one cluster per article; one entry per (feed, guid); one poll per
-- poll id, one state per feed, one ledger row per (stage, target), one run per run id, one count
-- per week, one correction per (article, time) and one request per request id. The tables have
-- no keys (migrations 017-019, 024): the loads keep these promises, and this check says if one
-- broke.
SELECT 'articles.article_id' AS what, article_id AS id, count(*) AS n
FROM articles GROUP BY article_id HAVING count(*) > 1
UNION ALL
SELECT 'articles.url', url, count(*) FROM articles GROUP BY url HAVING count(*) > 1
UNION ALL
SELECT 'url_aliases', alias_id, count(*) FROM url_aliases GROUP BY alias_id HAVING count(*) > 1
UNION ALL
SELECT 'article_versions', article_id || ' / ' || version, count(*)
FROM article_versions GROUP BY article_id, version HAVING count(*) > 1
UNION ALL
SELECT 'classifications', article_id || ' / ' || classifier_version, count(*)
FROM classifications GROUP BY article_id, classifier_version HAVING count(*) > 1
UNION ALL
SELECT 'article_topics', article_id || ' / ' || topic_id || ' / ' || classifier_version, count(*)
FROM article_topics GROUP BY article_id, topic_id, classifier_version HAVING count(*) > 1
UNION ALL
SELECT 'article_signatures', article_id, count(*) FROM article_signatures GROUP BY article_id HAVING count(*) > 1
UNION ALL
SELECT 'article_terms', article_id, count(*) FROM article_terms GROUP BY article_id HAVING count(*) > 1
UNION ALL
SELECT 'story_clusters', article_id, count(*) FROM story_clusters GROUP BY article_id HAVING count(*) > 1
UNION ALL
SELECT 'entries', feed_id || ' / ' || guid, count(*) FROM entries GROUP BY feed_id, guid HAVING count(*) > 1
UNION ALL
SELECT 'feed_polls', poll_id, count(*) FROM feed_polls GROUP BY poll_id HAVING count(*) > 1
UNION ALL
SELECT 'feed_state', feed_id, count(*) FROM feed_state GROUP BY feed_id HAVING count(*) > 1
UNION ALL
SELECT 'errors', stage || ' / ' || target, count(*) FROM errors GROUP BY stage, target HAVING count(*) > 1
UNION ALL
SELECT 'pipeline_runs', run_id, count(*) FROM pipeline_runs GROUP BY run_id HAVING count(*) > 1
UNION ALL
SELECT 'on_topic_weeks', week::VARCHAR, count(*) FROM on_topic_weeks GROUP BY week HAVING count(*) > 1
UNION ALL
SELECT 'labels', article_id || ' / ' || labelled_at::VARCHAR, count(*)
FROM labels GROUP BY article_id, labelled_at HAVING count(*) > 1
UNION ALL
SELECT 'reprocess_requests', request_id, count(*) FROM reprocess_requests GROUP BY request_id HAVING count(*) > 1;
