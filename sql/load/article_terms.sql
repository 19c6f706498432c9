-- The terms of the texts a batch writes (rule and table: migration 013). Runs before the
-- articles statement, against the stored texts: an article's terms are replaced when the batch
-- sets a different current text (same condition as articles.sql; an empty text has none), and a
-- text loaded again as it was changes nothing. Only the batch's texts are read.
CREATE OR REPLACE TEMP TABLE term_texts AS
SELECT s.article_id, s.text
FROM staging_articles s  -- one row per article
LEFT JOIN articles a USING (article_id)
WHERE a.article_id IS NULL
   OR (s.fetched_at >= a.fetched_at AND s.content_hash IS DISTINCT FROM a.content_hash);
DELETE FROM article_terms WHERE article_id IN (SELECT article_id FROM term_texts);  -- no key: 018
INSERT INTO article_terms (article_id, terms) SELECT * FROM text_terms(term_texts);
DROP TABLE term_texts;
