-- Analysts' corrections with the article they correct, as training and evaluation items: the
-- newest correction of each article, its title, text and publication day.
SELECT a.article_id, coalesce(a.title, ''), coalesce(a.text, ''), a.language,
       CAST(a.published_at AS DATE), l.relevant, coalesce(l.peace, false), l.labelled_at
FROM current_labels l
JOIN articles a USING (article_id)
ORDER BY l.labelled_at;
