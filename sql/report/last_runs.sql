-- The last $n runs, newest first (newsflow status).
SELECT run_id, trigger, started_at, status, feeds_ok, feeds_failed, articles_new, on_topic
FROM pipeline_runs
ORDER BY started_at DESC
LIMIT $n;
