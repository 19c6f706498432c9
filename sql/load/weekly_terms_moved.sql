-- After the load's statements: whether it moved articles it did not write (migration 015). A newer
-- classifier version makes every article without its decision off topic; a renamed feed renames
-- the source of its articles. Either way every week is recounted (weekly_terms_all.sql).
SELECT (SELECT classifier_version FROM counted_version)
           IS DISTINCT FROM (SELECT classifier_version FROM classifications ORDER BY classified_at DESC LIMIT 1)
    OR EXISTS (SELECT 1 FROM counted_feeds b JOIN feeds f USING (feed_id) WHERE f.name IS DISTINCT FROM b.name);
