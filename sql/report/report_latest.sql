-- The HTML report's latest on-topic articles since $since, newest first.
SELECT r.published, r.source, coalesce(t.label, r.primary_topic) AS topic, r.title, r.final_url,
       r.relevance
FROM report_articles r
LEFT JOIN topics t ON t.topic_id = r.primary_topic
WHERE r.on_topic AND ($since IS NULL OR r.day >= $since)
ORDER BY r.published DESC
LIMIT 20;
