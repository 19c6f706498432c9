-- The ids a batch's pages were reached by, pointing at the article they resolved to (an id seen
-- before keeps its link and first_seen_at). The table has no key (migration 018): known ids are
-- updated, the others inserted.
CREATE OR REPLACE TEMP TABLE batch_aliases AS
SELECT DISTINCT ON (link_id) link_id AS alias_id, article_id, link, fetched_at AS first_seen_at
FROM staging_links;
UPDATE url_aliases SET article_id = b.article_id
FROM batch_aliases b
WHERE url_aliases.alias_id = b.alias_id;
INSERT INTO url_aliases BY NAME
SELECT b.* FROM batch_aliases b ANTI JOIN url_aliases u USING (alias_id);
DROP TABLE batch_aliases;
