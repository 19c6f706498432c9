-- Replace, in the DuckLake, the rows of the error ledger the loads since the last publish wrote or
-- closed ({table} is filled in from the writer's catalog, never from input), keyed by stage and
-- target (store.publish_keys). The ledger keeps every page that ever failed, so copying it whole
-- (as every publish did until 6 December 2026) cost more with every run.
DELETE FROM newsflow_lake.{table}
WHERE stage || chr(31) || target IN (SELECT key FROM publishing WHERE kind = 'error');
INSERT INTO newsflow_lake.{table} BY NAME
SELECT * FROM main.{table}
WHERE stage || chr(31) || target IN (SELECT key FROM publishing WHERE kind = 'error');
