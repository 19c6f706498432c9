-- 007_text_once: an article's current text is stored once, in articles.text.
-- article_versions keeps the text of superseded versions only; the current version's row has
-- text NULL (its text is the article's). A load that replaces a text first moves the old one
-- into its version row (sql/load/supersede_versions.sql). article_history shows every version
-- with its text.

-- Free the copies earlier loads wrote: the latest version whose text is the article's.
UPDATE article_versions v SET text = NULL
FROM articles a
WHERE v.article_id = a.article_id
  AND v.content_hash = a.content_hash
  AND a.text IS NOT NULL
  AND v.version = (SELECT max(w.version) FROM article_versions w WHERE w.article_id = v.article_id);

-- Every version of every article with its text, whichever table holds it.
CREATE OR REPLACE VIEW article_history AS
SELECT
    v.article_id, v.version, v.content_hash, v.fetched_at, v.title,
    CASE WHEN v.text IS NULL AND v.content_hash = a.content_hash THEN a.text ELSE v.text END AS text,
    v.word_count, v.diff_words,
    v.content_hash IS NOT DISTINCT FROM a.content_hash
        AND v.version = max(v.version) OVER (PARTITION BY v.article_id) AS is_current
FROM article_versions v
JOIN articles a USING (article_id);
