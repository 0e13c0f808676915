-- Translation demand: what readers of one language searched and where they ended.
-- Input: search_outcomes (searches.sql) and kb_docs(doc, language, family), a table of the knowledge
-- base's docs written by kbops.analytics.translations (family = the doc a translation is of, else itself).
-- A search "ends" on the first doc clicked for it, or on nothing.

-- name: candidates
-- (language, query, doc, sessions) where the doc read is in another language and its family has no doc in
-- the reader's language, or where nothing was clicked; most sessions first.
WITH reader AS (
    SELECT split_part(lower(o.locale), '-', 1) AS language, o.query_norm AS query, o.clicked_doc AS doc, o.session
    FROM search_outcomes AS o
    WHERE o.query_norm <> '' AND o.locale IS NOT NULL AND o.locale <> 'unknown'
),
families AS (
    SELECT family, list(DISTINCT language) AS languages FROM kb_docs GROUP BY family
)
SELECT r.language, r.query, d.family AS doc, count(DISTINCT r.session) AS sessions
FROM reader AS r
LEFT JOIN kb_docs AS d ON d.doc = r.doc
LEFT JOIN families AS f ON f.family = d.family
WHERE (r.doc IS NULL)
   OR (d.language IS NOT NULL AND d.language <> r.language AND NOT list_contains(f.languages, r.language))
GROUP BY ALL
ORDER BY sessions DESC, r.language, r.query, doc NULLS FIRST
LIMIT 5000;
