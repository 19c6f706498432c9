-- A feed's state after this run's poll (computed by pipeline.feedstate.next_state): its row is
-- replaced, or added for a feed polled the first time. One row per feed (migration 024).
MERGE INTO feed_state USING staging_feed_state AS s ON feed_state.feed_id = s.feed_id
WHEN MATCHED THEN UPDATE BY NAME
WHEN NOT MATCHED THEN INSERT BY NAME;
