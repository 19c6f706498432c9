-- The keys this publish carries: those the loads since the last publish noted (migration 011).
-- fresh: an article no publish has carried, so the DuckLake holds no row of it: a fresh key
-- numbered above what the DuckLake has published through ($through, migration 014).
CREATE OR REPLACE TEMP TABLE publishing AS
SELECT kind, key, coalesce(bool_or(fresh AND seq > $through), false) AS fresh, max(seq) AS seq
FROM publish_pending
GROUP BY kind, key;
