-- Note the keys a load wrote, for the next publish (migrations 011, 014); fresh: an article the
-- writer did not hold before this load.
INSERT INTO publish_pending (kind, key, fresh)
SELECT kind, key, bool_and(fresh) FROM staging_pending GROUP BY kind, key;
