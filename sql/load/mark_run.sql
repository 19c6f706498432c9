-- Airflow says a run ended (an operator marked it failed or success, or the scheduler failed it)
-- while its row here still says running: record Airflow's verdict and why. A row already ended
-- keeps what its own tasks recorded.
UPDATE pipeline_runs
SET status = $status, finished_at = now(), error = coalesce(error, $note)
WHERE run_id = $run_id AND status = 'running'
RETURNING run_id;
