-- A feed's state after this run's poll (computed by pipeline.feedstate.next_state).
INSERT OR REPLACE INTO feed_state BY NAME
SELECT * FROM staging_feed_state;
