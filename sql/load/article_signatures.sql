-- MinHash signatures of a batch's texts: only of each article's current text (a batch or a rerun
-- can bring an older capture after a newer one), and updated only when the signature changes,
-- so that `updated_at` says when the text last changed (re-clustering reads it).
INSERT INTO article_signatures BY NAME
SELECT DISTINCT ON (s.article_id) s.article_id, s.signature, now() AS updated_at
FROM staging_signatures s
JOIN articles a ON a.article_id = s.article_id AND a.content_hash IS NOT DISTINCT FROM s.content_hash
ON CONFLICT (article_id) DO UPDATE SET signature = excluded.signature, updated_at = excluded.updated_at
WHERE article_signatures.signature IS DISTINCT FROM excluded.signature;
