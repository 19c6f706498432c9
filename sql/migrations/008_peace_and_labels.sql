-- 008_peace_and_labels: the peace decision beside relevance, and analysts' corrections.

-- Relevant and mainly about negotiating an end to the war (talks, ceasefires, guarantees,
-- territorial terms); NULL on rows of classifier versions that did not decide it.
ALTER TABLE classifications ADD COLUMN IF NOT EXISTS peace BOOLEAN;
ALTER TABLE classifications ADD COLUMN IF NOT EXISTS peace_score DOUBLE;

-- An analyst's correction of the classifier (`newsflow label`); the newest per article wins in
-- the current_* views, and `newsflow train` learns from them.
CREATE TABLE IF NOT EXISTS labels (
    article_id   VARCHAR NOT NULL,
    relevant     BOOLEAN NOT NULL,
    peace        BOOLEAN,              -- NULL: not said (then the model's peace stands)
    labelled_by  VARCHAR NOT NULL,
    labelled_at  TIMESTAMPTZ NOT NULL,
    note         VARCHAR,
    PRIMARY KEY (article_id, labelled_at)
);

-- The newest correction of each article.
CREATE OR REPLACE VIEW current_labels AS
SELECT * FROM labels
QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY labelled_at DESC) = 1;

-- The decisions of the newest classifier version that has run, with an analyst's correction
-- winning over the model's decision; the model's own decision stays beside it.
CREATE OR REPLACE VIEW current_classifications AS
SELECT
    c.article_id,
    c.classifier_version,
    coalesce(l.relevant, c.relevant) AS relevant,
    c.score,
    CASE WHEN l.article_id IS NULL THEN c.peace
         WHEN NOT l.relevant THEN false
         ELSE coalesce(l.peace, c.peace) END AS peace,
    c.peace_score,
    c.explanation,
    c.classified_at,
    c.relevant AS model_relevant,
    c.peace AS model_peace,
    l.labelled_by AS corrected_by,
    l.labelled_at AS corrected_at
FROM classifications c
LEFT JOIN current_labels l USING (article_id)
WHERE c.classifier_version = (
    SELECT classifier_version FROM classifications
    ORDER BY classified_at DESC LIMIT 1
);
