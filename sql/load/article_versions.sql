-- A version is an observation of an article's text: its content and its fetch time. A staged
-- text adds a version unless that observation is stored already, or the text is the same as the
-- version just before it in fetch time (or, for an observation older than the article's current
-- one, just after it): the same text loaded again adds nothing, however records arrive.
-- The version's text stays NULL while it is current (articles.text holds it; supersede_versions.sql
-- moves it here when it is replaced); an observation older than the current one keeps its text here.
-- Stored rows are read for staging_known alone, the batch's articles the writer holds already
-- (pipeline.store.known): a join of new ones with a whole table reads every stored id for nothing.
INSERT INTO article_versions BY NAME
SELECT
    s.article_id,
    coalesce(v.latest, 0) + 1 AS version,
    s.content_hash, s.fetched_at, s.title,
    CASE WHEN s.fetched_at < a.fetched_at THEN s.text END AS text,
    s.word_count,
    d.diff_words
FROM (SELECT * FROM staging_articles WHERE content_hash IS NOT NULL) s  -- one row per article
LEFT JOIN (SELECT article_id, fetched_at FROM articles
           WHERE article_id IN (SELECT article_id FROM staging_known)) a USING (article_id)
LEFT JOIN (
    SELECT w.article_id, max(w.version) AS latest,
           arg_max(w.content_hash, w.fetched_at) FILTER (WHERE w.fetched_at <= t.fetched_at) AS before_hash,
           arg_min(w.content_hash, w.fetched_at) FILTER (WHERE w.fetched_at > t.fetched_at) AS after_hash,
           bool_or(w.content_hash = t.content_hash AND w.fetched_at = t.fetched_at) AS observed
    FROM article_versions w
    JOIN staging_known t USING (article_id)  -- only the batch's rows the writer holds
    GROUP BY w.article_id) v USING (article_id)
LEFT JOIN staging_diffs d USING (article_id)
WHERE NOT coalesce(v.observed, false)
  AND v.before_hash IS DISTINCT FROM s.content_hash
  AND v.after_hash IS DISTINCT FROM s.content_hash;
