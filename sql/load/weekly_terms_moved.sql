-- After the load's statements: whether it moved articles it did not write (migration 015): a
-- renamed feed renames the source of its articles, and every week is recounted
-- (weekly_terms_all.sql). A new classifier version moves only the articles it decides, which the
-- load writes (migration 027).
SELECT EXISTS (SELECT 1 FROM counted_feeds b JOIN feeds f USING (feed_id) WHERE f.name IS DISTINCT FROM b.name);
