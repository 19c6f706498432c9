-- The texts at rows $rows of the DuckLake's Parquet file $file (hit_places.sql found them). The
-- file and row filters reach the Parquet reader, which skips every other file and row group: a
-- hit costs the decompression of its row group's texts alone (lake.TEXT_ROW_GROUP_ROWS of them).
SELECT file_row_number, text
FROM articles
WHERE filename = $file AND file_row_number IN (SELECT unnest($rows));
