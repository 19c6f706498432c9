-- The terms of the texts a batch writes (rule and table: migration 013). Runs before the
-- articles statement, against the stored texts: an article's terms are replaced when the batch
-- sets a different current text (same condition as articles.sql; an empty text has none), and a
-- text loaded again as it was changes nothing. Only the batch's texts are read.
-- Articles new to the writer have no stored terms: only the batch's articles the writer holds
-- already (staging_known, pipeline.store.known) are joined with the stored ones.
CREATE OR REPLACE TEMP TABLE term_texts AS
SELECT s.article_id, s.text, false AS known
FROM staging_articles s  -- one row per article
ANTI JOIN staging_known k USING (article_id)
UNION ALL
SELECT s.article_id, s.text, true AS known
FROM staging_known s
JOIN articles a USING (article_id)
WHERE s.fetched_at >= a.fetched_at AND s.content_hash IS DISTINCT FROM a.content_hash;
DELETE FROM article_terms WHERE article_id IN (SELECT article_id FROM term_texts WHERE known);  -- no key: 018
INSERT INTO article_terms (article_id, terms) SELECT * FROM text_terms(term_texts);
DROP TABLE term_texts;
