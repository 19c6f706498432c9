-- A run missed its deadline (news_report's Deadline Alert): recorded as 'late' with when it was
-- due. A run already recorded keeps its row; a running one becomes 'late'; the first reason stays.
MERGE INTO pipeline_runs
    USING (SELECT $run_id AS run_id, $trigger AS trigger, $started_at AS started_at,
                  $error AS error) AS run
    ON pipeline_runs.run_id = run.run_id
WHEN MATCHED THEN UPDATE SET
    status = CASE WHEN pipeline_runs.status = 'running' THEN 'late' ELSE pipeline_runs.status END,
    error = coalesce(pipeline_runs.error, run.error)
WHEN NOT MATCHED THEN INSERT (run_id, trigger, started_at, status, error)
    VALUES (run.run_id, run.trigger, run.started_at, 'late', run.error);
