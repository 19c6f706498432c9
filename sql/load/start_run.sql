-- A run begins (a retried Airflow run reuses its id and starts over). One row per run_id
-- (migration 024).
MERGE INTO pipeline_runs USING (SELECT $run_id AS run_id, $trigger AS trigger) AS run
    ON pipeline_runs.run_id = run.run_id
WHEN MATCHED THEN UPDATE SET status = 'running', finished_at = NULL, error = NULL
WHEN NOT MATCHED THEN INSERT (run_id, trigger, started_at, status)
    VALUES (run.run_id, run.trigger, now(), 'running');
