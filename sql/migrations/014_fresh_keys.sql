-- 014_fresh_keys: a publish deletes from the DuckLake only the rows of articles it may hold.
-- Deleting an article's rows scans the article_id column of every article-keyed table there
-- (1.3-1.6 s at 1M articles, and article_terms holds about a hundred rows an article), yet an
-- article that no publish has carried has nothing to delete. A load marks the keys of articles
-- the writer did not hold before it as `fresh`; every noted key gets a number from publish_seq;
-- and each publish records in published_through, which it carries to the DuckLake in the same
-- snapshot, the highest number it carried. A fresh key numbered above the DuckLake's
-- published_through has never reached it (a publish cut short after its snapshot leaves its keys
-- numbered below, so they are deleted and written again, as before).
CREATE SEQUENCE IF NOT EXISTS publish_seq;
ALTER TABLE publish_pending ADD COLUMN IF NOT EXISTS fresh BOOLEAN DEFAULT false;
ALTER TABLE publish_pending ADD COLUMN IF NOT EXISTS seq BIGINT DEFAULT nextval('publish_seq');

-- The highest publish_pending number the last publish carried (one row; none before a publish).
CREATE TABLE IF NOT EXISTS published_through (
    seq BIGINT NOT NULL
);
