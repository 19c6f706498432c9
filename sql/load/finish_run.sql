-- A run ends: its status, counts per stage and time per stage. The first reason recorded (by a
-- failure callback) is kept: it names the root cause. A count the run did not make (NULL) keeps
-- the one recorded: an Airflow run cleared and run again finds its work done and counts nothing,
-- which must not erase what the first try did.
UPDATE pipeline_runs SET
    finished_at = now(), status = $status, error = coalesce(error, $error),
    stage_seconds = $stage_seconds::JSON,
    feeds_ok = coalesce($feeds_ok, feeds_ok), feeds_failed = coalesce($feeds_failed, feeds_failed),
    entries_seen = coalesce($entries_seen, entries_seen), entries_new = coalesce($entries_new, entries_new),
    pages_fetched = coalesce($pages_fetched, pages_fetched), pages_failed = coalesce($pages_failed, pages_failed),
    articles_new = coalesce($articles_new, articles_new),
    articles_empty = coalesce($articles_empty, articles_empty), on_topic = coalesce($on_topic, on_topic)
WHERE run_id = $run_id;
