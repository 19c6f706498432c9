-- A run begins (a retried Airflow run reuses its id and starts over).
INSERT INTO pipeline_runs (run_id, trigger, started_at, status)
VALUES ($run_id, $trigger, now(), 'running')
ON CONFLICT (run_id) DO UPDATE SET status = 'running', finished_at = NULL, error = NULL;
