-- An analyst's correction of one article (`newsflow label`). Returns the article id, or nothing
-- when the article is not in the database or has nothing to judge: no text was extracted and no
-- decision made (a correction could neither show in current_classifications nor teach `train`).
-- One row per (article, time) (migration 024). An article put on the story that the model gave
-- no primary subtopic counts under its highest-scoring one (`topic_id`, migration 029).
INSERT INTO labels (article_id, relevant, peace, labelled_by, labelled_at, note, topic_id)
SELECT article_id, $relevant, CASE WHEN $relevant THEN $peace ELSE false END, $by, now(), $note,
       CASE WHEN $relevant THEN (
           SELECT topic_id FROM article_topics t
           WHERE t.article_id = $article_id AND t.is_current
           QUALIFY NOT bool_or(t.is_primary) OVER ()
               AND row_number() OVER (ORDER BY t.score DESC, t.topic_id) = 1
               AND t.score > 0) END
FROM articles a WHERE article_id = $article_id
  AND (a.extraction_status = 'ok'
       OR EXISTS (SELECT 1 FROM classifications c WHERE c.article_id = $article_id AND c.is_current))
RETURNING article_id;
