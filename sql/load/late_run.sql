-- A run missed its deadline (news_report's Deadline Alert): recorded as 'late' with when it was
-- due. A run already recorded keeps its row; a running one becomes 'late'; the first reason stays.
INSERT INTO pipeline_runs (run_id, trigger, started_at, status, error)
VALUES ($run_id, $trigger, $started_at, 'late', $error)
ON CONFLICT (run_id) DO UPDATE SET
    status = CASE WHEN pipeline_runs.status = 'running' THEN 'late' ELSE pipeline_runs.status END,
    error = coalesce(pipeline_runs.error, $error);
