-- MinHash signatures of a batch's texts: only of each article's current text (a batch or a rerun
-- can bring an older capture after a newer one), and updated only when the signature changes,
-- so that `updated_at` says when the text last changed (re-clustering reads it). The table has no
-- key (migration 018): known articles' rows are updated, the others inserted.
CREATE OR REPLACE TEMP TABLE batch_signatures AS
SELECT DISTINCT ON (s.article_id) s.article_id, s.signature
FROM staging_signatures s
JOIN articles a ON a.article_id = s.article_id AND a.content_hash IS NOT DISTINCT FROM s.content_hash;
UPDATE article_signatures SET signature = c.signature, updated_at = now()
FROM batch_signatures c
WHERE article_signatures.article_id = c.article_id
  AND article_signatures.signature IS DISTINCT FROM c.signature;
INSERT INTO article_signatures BY NAME
SELECT c.article_id, c.signature, now() AS updated_at
FROM batch_signatures c
ANTI JOIN article_signatures t USING (article_id);
DROP TABLE batch_signatures;
