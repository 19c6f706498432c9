-- 002_views: what analysts query first.

-- The topic decisions of the newest classifier version that has run.
CREATE OR REPLACE VIEW current_classifications AS
SELECT c.*
FROM classifications c
WHERE c.classifier_version = (
    SELECT classifier_version FROM classifications
    ORDER BY classified_at DESC LIMIT 1
);

CREATE OR REPLACE VIEW current_article_topics AS
SELECT t.*
FROM article_topics t
JOIN current_classifications c USING (article_id, classifier_version);

-- One row per article with its relevance and primary subtopic.
CREATE OR REPLACE VIEW article_overview AS
SELECT
    a.article_id,
    a.published_at,
    a.source_domain,
    a.feed_id,
    a.language,
    a.title,
    a.word_count,
    a.extraction_status,
    c.relevant,
    round(c.score, 3) AS relevance,
    p.topic_id AS primary_topic,
    a.final_url
FROM articles a
LEFT JOIN current_classifications c USING (article_id)
LEFT JOIN current_article_topics p ON p.article_id = a.article_id AND p.is_primary;

-- Health of every configured feed from its polls.
CREATE OR REPLACE VIEW feed_health AS
SELECT
    f.feed_id,
    f.enabled,
    count(p.poll_id) AS polls,
    max(p.polled_at) FILTER (WHERE p.status <> 'failed') AS last_success,
    max(p.polled_at) AS last_poll,
    arg_max(p.status, p.polled_at) AS last_status,
    arg_max(p.error, p.polled_at) AS last_error,
    sum(p.entries_new) AS entries_new_total
FROM feeds f
LEFT JOIN feed_polls p USING (feed_id)
GROUP BY f.feed_id, f.enabled;
