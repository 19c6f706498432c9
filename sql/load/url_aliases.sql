-- The ids a batch's pages were reached by, pointing at the article they resolved to.
INSERT INTO url_aliases BY NAME
SELECT DISTINCT ON (link_id) link_id AS alias_id, article_id, link, fetched_at AS first_seen_at
FROM staging_links
ON CONFLICT (alias_id) DO UPDATE SET article_id = excluded.article_id;
