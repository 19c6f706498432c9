-- 012_published_zone: the UTC offset the chosen publication date was written in ("+02:00"), so
-- an article's day can be told in its own time zone; NULL when the page and feed give no zone.
-- published_at stays in UTC; date_source now names the evidence that won (see
-- pipeline/pagedates.py): visible | feed | jsonld | meta | time | htmldate | url ('page' on rows
-- loaded before this migration).
ALTER TABLE articles ADD COLUMN IF NOT EXISTS published_zone VARCHAR;
