-- A new version for every article whose text is new or differs from its latest version;
-- the same text loaded again adds nothing. The version's text stays NULL while it is current
-- (articles.text holds it; supersede_versions.sql moves it here when it is replaced).
INSERT INTO article_versions BY NAME
SELECT
    s.article_id,
    coalesce(v.latest, 0) + 1 AS version,
    s.content_hash, s.fetched_at, s.title, NULL AS text, s.word_count,
    d.diff_words
FROM (SELECT * FROM staging_articles WHERE content_hash IS NOT NULL) s  -- one row per article
LEFT JOIN (SELECT article_id, max(version) AS latest, arg_max(content_hash, version) AS latest_hash
           FROM article_versions
           WHERE article_id IN (SELECT article_id FROM staging_articles)  -- only the batch's rows
           GROUP BY article_id) v USING (article_id)
LEFT JOIN staging_diffs d USING (article_id)
WHERE v.latest_hash IS DISTINCT FROM s.content_hash;
