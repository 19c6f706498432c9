-- A new version for every article whose text is new or differs from its latest version;
-- the same text loaded again adds nothing.
INSERT INTO article_versions BY NAME
SELECT
    s.article_id,
    coalesce(v.latest, 0) + 1 AS version,
    s.content_hash, s.fetched_at, s.title, s.text, s.word_count,
    d.diff_words
FROM (SELECT DISTINCT ON (article_id) * FROM staging_articles
      WHERE content_hash IS NOT NULL ORDER BY article_id, fetched_at DESC) s
LEFT JOIN (SELECT article_id, max(version) AS latest, arg_max(content_hash, version) AS latest_hash
           FROM article_versions
           WHERE article_id IN (SELECT article_id FROM staging_articles)  -- only the batch's rows
           GROUP BY article_id) v USING (article_id)
LEFT JOIN staging_diffs d USING (article_id)
WHERE v.latest_hash IS DISTINCT FROM s.content_hash;
