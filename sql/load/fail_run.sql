-- A run failed outside its own code (an Airflow task failed for good): record why. A run whose
-- start was never recorded (its first task failed) gets a row too.
INSERT INTO pipeline_runs (run_id, trigger, started_at, finished_at, status, error)
VALUES ($run_id, $trigger, now(), now(), 'failed', $error)
ON CONFLICT (run_id) DO UPDATE SET status = 'failed', finished_at = now(),
    error = coalesce(pipeline_runs.error, $error);  -- the first failure is the root cause
