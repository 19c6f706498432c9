-- Note the keys a load wrote, for the next publish (migration 011).
INSERT INTO publish_pending SELECT DISTINCT kind, key FROM staging_pending;
