-- The Airflow view's closest calls: of the articles the pipeline first saw in the $days days up to
-- and including $day (UTC), the $limit whose decisions are nearest a line and not yet corrected
-- (review_queue), closest first; `newsflow review` lists the whole queue.
SELECT article_id, title, final_url, source_domain, published, relevant, score, peace, peace_score,
       closest, margin, explanation
FROM review_queue
WHERE CAST(first_seen_at AS DATE) BETWEEN CAST($day AS DATE) - CAST($days - 1 AS INTEGER) AND $day
ORDER BY margin, first_seen_at DESC, article_id
LIMIT $limit;
