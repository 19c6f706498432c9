-- Whether the DuckLake's report_articles table must be built whole from the writer's view rather
-- than per carried article: a feed was added, removed or renamed (its articles' source). Asked
-- before the publish carries anything. (A newer classifier version changes the decisions of the
-- articles it decided alone, which the publish carries: migration 027.)
SELECT
    EXISTS (SELECT feed_id, name FROM main.feeds EXCEPT SELECT feed_id, name FROM newsflow_lake.feeds)
    OR EXISTS (SELECT feed_id, name FROM newsflow_lake.feeds EXCEPT SELECT feed_id, name FROM main.feeds);
