-- Before a batch replaces an article's text, the text it replaces moves from articles into its
-- own version row (which held none while it was current): no text is lost, none stored twice.
-- As in changed_texts.sql, the replaced articles are found on the narrow columns and only their
-- texts are read.
-- staging_known is the batch's articles the writer holds already (pipeline.store.known): a
-- join of new ones with a whole table reads every stored id to find nothing.
UPDATE article_versions v SET text = a.text
FROM (
    SELECT article_id, content_hash, text
    FROM articles
    WHERE text IS NOT NULL AND article_id IN (
        SELECT a.article_id
        FROM articles a
        JOIN staging_known s USING (article_id)  -- one row per article
        WHERE a.content_hash IS DISTINCT FROM s.content_hash
          AND s.fetched_at >= a.fetched_at)  -- an older observation replaces nothing
) a
WHERE v.article_id = a.article_id
  AND v.content_hash = a.content_hash
  AND v.text IS NULL;
