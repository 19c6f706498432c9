-- The last $n runs, newest first (newsflow status), with why a run failed or was late.
SELECT run_id, trigger, started_at, status, feeds_ok, feeds_failed, articles_new, on_topic, error
FROM pipeline_runs
ORDER BY started_at DESC
LIMIT $n;
