-- Where the texts of a search's hits are ($ids: their article ids): each one's Parquet file and
-- row in the DuckLake, so that hit_texts.sql reads only the row groups that hold them. Reads the
-- article ids alone (0.04 s at a million articles).
SELECT article_id, filename, file_row_number
FROM articles
WHERE article_id IN (SELECT unnest($ids));
