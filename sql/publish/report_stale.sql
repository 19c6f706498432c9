-- Whether the DuckLake's report_articles table must be built whole from the writer's view rather
-- than per carried article: the writer has a newer classifier version than the DuckLake (every
-- article without a decision of it falls off topic), or a feed was added, removed or renamed
-- (its articles' source). Asked before the publish carries anything.
SELECT
    (SELECT classifier_version FROM main.classifications ORDER BY classified_at DESC LIMIT 1)
        IS DISTINCT FROM
    (SELECT classifier_version FROM newsflow_lake.classifications ORDER BY classified_at DESC LIMIT 1)
    OR EXISTS (SELECT feed_id, name FROM main.feeds EXCEPT SELECT feed_id, name FROM newsflow_lake.feeds)
    OR EXISTS (SELECT feed_id, name FROM newsflow_lake.feeds EXCEPT SELECT feed_id, name FROM main.feeds);
