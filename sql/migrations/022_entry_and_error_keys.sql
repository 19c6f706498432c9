-- lake: unchanged (what the writer notes for the next publish; the DuckLake's tables stay as they are)
-- 022_entry_and_error_keys: a publish carries feed entries and the error ledger by keys of their
-- own ('entry': feed id and guid; 'error': stage and target; joined by chr(31), store.publish_keys):
-- - a poll noted the articles its entries link to, which made every publish after a poll carry
--   those articles whole, texts and search documents included;
-- - the error ledger, which keeps every page that ever failed, was copied whole by every publish.
-- What an older version left for the next publish is carried by the new keys: the entries of
-- every article still waiting, whichever step noted it, and the whole ledger once (which of its
-- rows changed since the last publish was never noted).
INSERT INTO publish_pending (kind, key)
SELECT DISTINCT 'entry', e.feed_id || chr(31) || e.guid
FROM entries e
WHERE e.article_id IN (SELECT key FROM publish_pending WHERE kind = 'article')
  AND e.feed_id IS NOT NULL AND e.guid IS NOT NULL;
INSERT INTO publish_pending (kind, key)
SELECT 'error', stage || chr(31) || target FROM errors;
