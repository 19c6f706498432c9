-- Sync the taxonomy's story and subtopics (staging_topics) into topics.
INSERT INTO topics BY NAME
SELECT * FROM staging_topics
ON CONFLICT (topic_id) DO UPDATE SET
    parent_id = excluded.parent_id, label = excluded.label,
    description = excluded.description, taxonomy_version = excluded.taxonomy_version;
