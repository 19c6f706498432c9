-- The BM25 full-text index over article titles and texts (DuckDB fts: Porter stemmer, English
-- stop words, accents stripped, lower-cased). Rebuilt whole on the snapshot after each load;
-- it lives in the schema fts_main_articles.
PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', overwrite = 1);
