-- The HTML report's subtopic chart: on-topic articles per day and primary subtopic since $since.
SELECT v.day, v.topic_id, coalesce(v.label, v.topic_id, 'unassigned') AS label, v.articles
FROM report_daily_subtopic_volume v
WHERE $since IS NULL OR v.day >= $since
ORDER BY v.day, v.topic_id;
