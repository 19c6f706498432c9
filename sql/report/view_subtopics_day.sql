-- The Airflow view's subtopic counts: on-topic articles the pipeline first saw on $day (UTC),
-- per primary subtopic.
SELECT r.primary_topic AS topic_id, coalesce(t.label, r.primary_topic) AS label, count(*) AS articles
FROM report_articles r
LEFT JOIN topics t ON t.topic_id = r.primary_topic
WHERE r.on_topic AND CAST(r.first_seen_at AS DATE) = $day
GROUP BY ALL
ORDER BY articles DESC, topic_id;
