-- Replace, in the DuckLake, the feed entries a poll saw ({table} is filled in from the writer's
-- catalog, never from input), keyed by feed and guid (store.publish_keys). A poll sees again every
-- item its feeds still list and moves their last_seen_at: only these rows move, not the texts,
-- decisions and search documents of the articles they link to (until 6 December 2026 the
-- entries' article ids were carried, and every daily publish read every stored text again).
DELETE FROM newsflow_lake.{table}
WHERE feed_id || chr(31) || guid IN (SELECT key FROM publishing WHERE kind = 'entry');
INSERT INTO newsflow_lake.{table} BY NAME
SELECT * FROM main.{table}
WHERE feed_id || chr(31) || guid IN (SELECT key FROM publishing WHERE kind = 'entry');
