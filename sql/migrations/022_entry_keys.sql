-- lake: unchanged (what the writer notes for the next publish; the DuckLake's tables stay as they are)
-- 022_entry_keys: a poll notes the feed entries it saw as keys of their own ('entry': feed id and
-- guid, sql/publish/entry_rows.sql), no longer as keys of the articles they link to, which made
-- every publish after a poll carry those articles whole, texts and search documents included.
-- Keys an older poll noted and no publish has carried yet are carried as entries too: the
-- entries of every article still waiting, whichever step noted it.
INSERT INTO publish_pending (kind, key)
SELECT DISTINCT 'entry', e.feed_id || chr(31) || e.guid
FROM entries e
WHERE e.article_id IN (SELECT key FROM publish_pending WHERE kind = 'article')
  AND e.feed_id IS NOT NULL AND e.guid IS NOT NULL;
