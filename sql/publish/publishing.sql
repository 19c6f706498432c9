-- The keys this publish carries: those the loads since the last publish noted (migration 011).
CREATE OR REPLACE TEMP TABLE publishing AS
SELECT DISTINCT kind, key FROM publish_pending;
