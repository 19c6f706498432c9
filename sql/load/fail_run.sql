-- A run failed outside its own code (an Airflow task failed for good): record why. A run whose
-- start was never recorded (its first task failed) gets a row too.
MERGE INTO pipeline_runs
    USING (SELECT $run_id AS run_id, $trigger AS trigger, $error AS error) AS run
    ON pipeline_runs.run_id = run.run_id
WHEN MATCHED THEN UPDATE SET status = 'failed', finished_at = now(),
    error = coalesce(pipeline_runs.error, run.error)  -- the first failure is the root cause
WHEN NOT MATCHED THEN INSERT (run_id, trigger, started_at, finished_at, status, error)
    VALUES (run.run_id, run.trigger, now(), now(), 'failed', run.error);
