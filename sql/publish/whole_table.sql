-- Copy a small table whole (feeds, topics, feed_state, runs, requests, migrations).
DELETE FROM newsflow_lake.{table};
INSERT INTO newsflow_lake.{table} BY NAME SELECT * FROM main.{table};
