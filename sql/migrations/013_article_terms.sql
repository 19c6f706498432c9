-- 013_article_terms: report_new_terms reads terms extracted when a text is loaded, not regular
-- expressions run over every text at query time (43 s at 100,000 articles, bench/store_bench.py).
-- An article's terms depend on its own text and the stop list below only, never on the rest of
-- the corpus, so a load extracts them for the texts it writes (sql/load/article_terms.sql) and a
-- publish carries them like any table keyed by article_id.

-- Words that are never a name on their own: the function words of the five languages the
-- pipeline reads (articles, pronouns, conjunctions, prepositions and usual sentence openers),
-- picked by hand from the most frequent lower-case words of the labelled set
-- (pipeline/sample). A capitalised run that starts with one of them loses it ("The Kremlin" ->
-- "Kremlin"); a lone one is no term. Kept as data: add words with an INSERT, then refill the
-- terms as below.
CREATE TABLE IF NOT EXISTS ordinary_words (
    word VARCHAR PRIMARY KEY  -- lower case
);
INSERT INTO ordinary_words
SELECT DISTINCT unnest(string_split(words, ' '))
FROM (VALUES
    -- en
    ('a an the and but or nor so yet if as at by for from in into of on onto to with without '
     || 'after before while when where what which who whom whose why how this that these those '
     || 'there here it its he she we they his her their our my your you i me him them '
     || 'however meanwhile also still although though since because than then not no nor '
     || 'one some many more most both all every each other such another any only even just '
     || 'said says according despite during over under about against between among through '
     || 'is are was were be been being has have had do does did will would could should might must '
     || 'can shall today yesterday now later'),
    -- de
    ('der die das den dem des ein eine einer einem einen eines und oder aber doch denn sondern '
     || 'in im an am auf aus bei mit nach von vom vor zu zum zur für über unter um durch gegen ohne '
     || 'als wie wenn ob dass weil während seit laut trotz bis es er sie wir ihr ich man sich '
     || 'nicht kein keine dies diese dieser dieses jene so da dann nun auch nur noch schon hier dort '
     || 'ist sind war waren hat haben wird werden wurde wurden heute gestern'),
    -- fr
    ('le la les un une des du de et ou mais donc ni car en dans sur sous pour par avec sans au aux '
     || 'à ce cet cette ces il elle ils elles on nous vous je qui que quand où selon après avant '
     || 'depuis pendant malgré comme si son sa ses leur leurs pas plus est sont a ont était '
     || 'aujourd''hui hier'),
    -- ru
    ('и в во на с со по к о об от до из за для при после перед между через без но а однако '
     || 'что как это этот эта эти тот та те он она оно они мы вы я его ее её их не ни также так '
     || 'уже еще ещё когда если где по-прежнему сегодня вчера было был была были будет'),
    -- uk
    ('і й та в у на з із зі до від за для про під після перед між через без але а однак '
     || 'що як це цей ця ці той та ті він вона воно вони ми ви я його її їх не ні також так '
     || 'вже ще коли якщо де сьогодні вчора було був була були буде')
) AS lists(words)
ON CONFLICT DO NOTHING;

-- The capitalised-name terms of each article's current text, with how often the text names
-- them: one row per article, its terms in a list. One row an article, not one a term (about a
-- hundred an article in news prose): a load replaces it through the key, and a publish that
-- replaces articles' rows in the DuckLake scans as many ids here as in articles.
CREATE TABLE IF NOT EXISTS article_terms (
    article_id VARCHAR PRIMARY KEY,
    terms      STRUCT(term VARCHAR, mentions INTEGER)[] NOT NULL  -- empty: the text names none
);

-- The rule, applied to the texts of the table or view `texts` (article_id, text), giving one
-- row per text (article_id, terms) as article_terms holds them: a term is a
-- run of capitalised words (Kaja Kallas, Black Sea Fleet, NATO) with a possessive 's dropped.
-- Its first word is an ordinary word, dropped when alone and stripped when it leads a longer run,
-- when it is in ordinary_words ("The Kremlin" -> "Kremlin"). A lone word that opens a sentence
-- (at the start of the text or of a line, or after . ! ? : ; and any quotes or brackets) is a
-- term only when the article also capitalises it in mid-sentence: "Officials said" is no name,
-- but "Kharkiv" opening a sentence is one when the article writes "in Kharkiv" elsewhere. Terms
-- shorter than three characters are left out. Everything is computed per text (lists, no join),
-- so a load's cost follows its own texts.
CREATE OR REPLACE MACRO text_terms(texts) AS TABLE
WITH matched AS (  -- each run, with what opens its sentence when it opens one
    SELECT article_id,
           regexp_extract_all(chr(10) || coalesce(text, ''),
               '(?:[.!?:;\n][\s"“”„«»‘’''(\[–—-]*)?\p{Lu}[\p{L}\p{Nd}''’-]*(?: \p{Lu}[\p{L}\p{Nd}''’-]*)*') AS found
    FROM query_table(texts)
),
runs AS (
    SELECT article_id,
           list_transform(found, m -> {
               opens: m[1] IN ('.', '!', '?', ':', ';', chr(10)),
               words: string_split(rtrim(replace(replace(
                   CASE WHEN m[1] IN ('.', '!', '?', ':', ';', chr(10)) THEN regexp_extract(m, '\p{Lu}.*') ELSE m END
                   || ' ', '''s ', ' '), '’s ', ' ')), ' ')}) AS runs
    FROM matched
),
named AS (  -- the words the article capitalises in mid-sentence
    SELECT article_id, runs,
           flatten(list_transform(runs, r -> r.words[CASE WHEN r.opens THEN 2 ELSE 1 END:])) AS named
    FROM runs
),
terms AS (
    SELECT article_id,
           list_filter(list_transform(runs, r -> array_to_string(r.words[
               CASE WHEN list_contains(o.words, lower(r.words[1]))
                         OR (r.opens AND len(r.words) = 1 AND NOT list_contains(named, r.words[1]))
                    THEN 2 ELSE 1 END:], ' ')),
               t -> length(t) >= 3) AS terms
    FROM named, (SELECT list(word) AS words FROM ordinary_words) AS o
)
SELECT article_id,
       coalesce(list_transform(map_entries(list_aggregate(terms, 'histogram')),
                               e -> {term: e.key, mentions: CAST(e.value AS INTEGER)}),
                CAST([] AS STRUCT(term VARCHAR, mentions INTEGER)[])) AS terms
FROM terms;

-- The terms of the texts loaded before this migration.
INSERT INTO article_terms (article_id, terms) SELECT * FROM text_terms(articles);

-- New actors and terms of the week: terms (article_terms, rule above) of on-topic articles
-- mentioned in a week and in none of the four weeks before. A week with no on-topic articles in
-- the four weeks before it has no baseline, so nothing in it is flagged. Weeks start on Monday (UTC).
CREATE OR REPLACE VIEW report_new_terms AS
WITH on_topic AS (
    SELECT article_id, CAST(date_trunc('week', day) AS DATE) AS week, source
    FROM report_articles
    WHERE on_topic
),
mentioned AS (
    SELECT o.week, o.source, unnest(t.terms, recursive := true)
    FROM article_terms t
    JOIN on_topic o USING (article_id)
),
weekly AS (
    SELECT week, term, CAST(sum(mentions) AS BIGINT) AS mentions, count(*) AS articles,
           count(DISTINCT source) AS sources
    FROM mentioned
    GROUP BY week, term
),
weeks AS (  -- each on-topic week with the one before it that had on-topic articles
    SELECT week, lag(week) OVER (ORDER BY week) AS previous
    FROM (SELECT DISTINCT week FROM on_topic)
),
spaced AS (  -- each term's week with the term's week before it
    SELECT *, lag(week) OVER (PARTITION BY term ORDER BY week) AS before
    FROM weekly
)
SELECT s.week, s.term, s.mentions, s.articles, s.sources
FROM spaced s
JOIN weeks w USING (week)
WHERE w.previous >= s.week - INTERVAL 28 DAY
  AND (s.before IS NULL OR s.before < s.week - INTERVAL 28 DAY);
