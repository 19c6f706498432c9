-- Feed ids the database knows (every feed ever configured).
SELECT feed_id FROM feeds ORDER BY feed_id;
