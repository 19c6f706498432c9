-- A run ends: its status, counts per stage and time per stage. The first reason recorded (by a
-- failure callback) is kept: it names the root cause.
UPDATE pipeline_runs SET
    finished_at = now(), status = $status, error = coalesce(error, $error),
    stage_seconds = $stage_seconds::JSON,
    feeds_ok = $feeds_ok, feeds_failed = $feeds_failed,
    entries_seen = $entries_seen, entries_new = $entries_new,
    pages_fetched = $pages_fetched, pages_failed = $pages_failed,
    articles_new = $articles_new, articles_empty = $articles_empty, on_topic = $on_topic
WHERE run_id = $run_id;
