-- The HTML report's on-topic share chart: articles and on-topic articles per day since $since.
SELECT day, articles, on_topic
FROM report_on_topic_share
WHERE $since IS NULL OR day >= $since
ORDER BY day;
