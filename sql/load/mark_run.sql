-- An operator marked a run failed or success in Airflow while its row here still says running
-- (plugins/newsflow_runs.py): record that status and Airflow's message. A row already ended
-- keeps what its own tasks recorded.
UPDATE pipeline_runs
SET status = $status, finished_at = now(), error = coalesce(error, $note)
WHERE run_id = $run_id AND status = 'running'
RETURNING run_id;
