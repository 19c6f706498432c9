-- The Airflow view's closest calls: of the articles the pipeline first saw in the $days days up to
-- and including $day (UTC), the $limit whose decisions are nearest a line and not yet corrected
-- (review_queue), closest first; `newsflow review` lists the whole queue.
SELECT q.article_id, q.title, q.final_url, q.source_domain, q.published, q.relevant, q.score, q.peace,
       q.peace_score, q.closest, q.margin, q.explanation
FROM review_queue q
JOIN articles a USING (article_id)
WHERE CAST(a.first_seen_at AS DATE) BETWEEN CAST($day AS DATE) - CAST($days - 1 AS INTEGER) AND $day
ORDER BY q.margin, a.first_seen_at DESC, q.article_id
LIMIT $limit;
