-- Whether a topic id exists (search's --topic check), and whether it is the story itself.
SELECT count(*) > 0, bool_or(parent_id IS NULL) FROM topics WHERE topic_id = $topic;
