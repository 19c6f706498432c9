-- Articles of a batch: insert new ones, refresh known ones (first_seen_at is kept) with a fetch
-- at least as recent as the stored one: an article's current text is its latest by fetch time,
-- whatever order records arrive in. The batch holds one row per article, its latest fetch
-- (pipeline.store.latest_per_article).
INSERT INTO articles BY NAME
SELECT * EXCLUDE (link_id), fetched_at AS first_seen_at, fetched_at AS updated_at
FROM staging_articles
ON CONFLICT (article_id) DO UPDATE SET
    url = excluded.url, link = excluded.link, final_url = excluded.final_url,
    source_domain = excluded.source_domain, title = excluded.title, authors = excluded.authors,
    published_at = excluded.published_at, date_source = excluded.date_source,
    published_zone = excluded.published_zone,
    fetched_at = excluded.fetched_at, http_status = excluded.http_status,
    content_type = excluded.content_type, size_bytes = excluded.size_bytes,
    fetch_ms = excluded.fetch_ms, language = excluded.language, site_name = excluded.site_name,
    description = excluded.description, text = excluded.text, word_count = excluded.word_count,
    content_hash = excluded.content_hash, extraction_status = excluded.extraction_status,
    extraction_error = excluded.extraction_error, updated_at = excluded.updated_at,
    last_run_id = excluded.last_run_id,
    warc_file = coalesce(excluded.warc_file, articles.warc_file),
    warc_offset = coalesce(excluded.warc_offset, articles.warc_offset),
    warc_length = coalesce(excluded.warc_length, articles.warc_length)
WHERE excluded.fetched_at >= articles.fetched_at;
