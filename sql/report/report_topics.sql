-- The subtopics in taxonomy order (the report's colours follow it).
SELECT topic_id, label FROM topics WHERE parent_id IS NOT NULL ORDER BY topic_id;
