-- MinHash signatures of a batch's texts.
INSERT INTO article_signatures BY NAME
SELECT DISTINCT ON (article_id) article_id, signature, now() AS updated_at FROM staging_signatures
ON CONFLICT (article_id) DO UPDATE SET signature = excluded.signature, updated_at = excluded.updated_at;
