-- Whether a topic id exists (search's --topic check).
SELECT count(*) > 0 FROM topics WHERE topic_id = $topic;
