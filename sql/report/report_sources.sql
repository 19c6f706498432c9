-- The HTML report's sources chart: articles and on-topic articles per source since $since.
SELECT source, sum(articles) AS articles, sum(on_topic) AS on_topic
FROM report_source_volume
WHERE $since IS NULL OR day >= $since
GROUP BY source
ORDER BY articles DESC, source
LIMIT 12;
