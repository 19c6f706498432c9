-- Articles of a batch: refresh known ones (first_seen_at is kept) with a fetch at least as recent
-- as the stored one, then insert new ones: an article's current text is its latest by fetch
-- time, whatever order records arrive in. The batch holds one row per article, its latest fetch
-- (pipeline.store.latest_per_article). The table has no key (migration 018): the update finds
-- the known articles by joining the batch, and the insert leaves them out. Only the batch's
-- articles the writer holds (staging_known, pipeline.store.known) are joined with the table.
UPDATE articles SET
    url = s.url, link = s.link, final_url = s.final_url,
    source_domain = s.source_domain, title = s.title, authors = s.authors,
    published_at = s.published_at, date_source = s.date_source,
    published_zone = s.published_zone,
    fetched_at = s.fetched_at, http_status = s.http_status,
    content_type = s.content_type, size_bytes = s.size_bytes,
    fetch_ms = s.fetch_ms, language = s.language, site_name = s.site_name,
    description = s.description, text = s.text, word_count = s.word_count,
    content_hash = s.content_hash, extraction_status = s.extraction_status,
    extraction_error = s.extraction_error, updated_at = s.fetched_at,
    last_run_id = s.last_run_id,
    warc_file = coalesce(s.warc_file, articles.warc_file),
    warc_offset = coalesce(s.warc_offset, articles.warc_offset),
    warc_length = coalesce(s.warc_length, articles.warc_length)
FROM staging_known s
WHERE articles.article_id = s.article_id AND s.fetched_at >= articles.fetched_at;
INSERT INTO articles BY NAME
SELECT s.* EXCLUDE (link_id), s.fetched_at AS first_seen_at, s.fetched_at AS updated_at
FROM staging_articles s
ANTI JOIN staging_known k USING (article_id);
