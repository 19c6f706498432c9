-- Stored texts that a staged batch is about to replace (for the version diff). The replaced
-- articles are found on the narrow columns first and only their texts are read: article ids are
-- URL hashes spread over the whole table, so a join of the batch with the texts would read every
-- stored text (3.0 s and 280 MB at 100k articles, against 0.17 s; docs/performance.md).
-- staging_known is the batch's articles the writer holds already (pipeline.store.known): a
-- join of new ones with a whole table reads every stored id to find nothing.
WITH replaced AS (
    SELECT a.article_id
    FROM articles a
    JOIN staging_known s USING (article_id)  -- one row per article
    WHERE s.content_hash IS NOT NULL AND a.content_hash <> s.content_hash
      AND s.fetched_at >= a.fetched_at  -- an older observation replaces nothing
)
SELECT article_id, text
FROM articles
WHERE article_id IN (SELECT article_id FROM replaced) AND text IS NOT NULL;
