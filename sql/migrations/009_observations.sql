-- 009_observations: a version is an observation (its text and fetch time), and the current one is
-- the latest by fetch time, whatever order records were loaded in (sql/load/article_versions.sql).
-- An observation older than the current text keeps its own text in its row; the current version's
-- row alone holds none (articles.text has it).

-- Every version of every article with its text, whichever table holds it.
CREATE OR REPLACE VIEW article_history AS
SELECT
    v.article_id, v.version, v.content_hash, v.fetched_at, v.title,
    CASE WHEN v.text IS NULL AND v.content_hash = a.content_hash THEN a.text ELSE v.text END AS text,
    v.word_count, v.diff_words,
    v.text IS NULL AND v.content_hash IS NOT DISTINCT FROM a.content_hash AS is_current
FROM article_versions v
JOIN articles a USING (article_id);
