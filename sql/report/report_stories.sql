-- The HTML report's top stories since $since (by the story's latest article).
SELECT s.title, s.url, s.articles, s.sources, s.first_published, s.last_published,
       coalesce(t.label, s.topic_id) AS topic
FROM report_top_stories s
LEFT JOIN topics t ON t.topic_id = s.topic_id
WHERE $since IS NULL OR CAST(s.last_published AS DATE) >= $since
ORDER BY s.rank
LIMIT 10;
