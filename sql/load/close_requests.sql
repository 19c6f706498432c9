-- The requests a run took are done once it has loaded them.
UPDATE reprocess_requests
SET status = 'done', done_at = now()
WHERE done_by = $run_id AND status = 'taken';
