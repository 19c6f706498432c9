-- Reprocessing requests not yet worked off, oldest first; a processing run takes them ($run_id),
-- and a run that failed leaves them to the next one.
UPDATE reprocess_requests SET status = 'taken', done_by = $run_id
WHERE status IN ('open', 'taken')
RETURNING request_id, stage, since, until, feed_ids;
