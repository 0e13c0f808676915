-- Content-gap clusters: the raw material (queries with a gap signal, clicks per query) and exact
-- per-cluster counts once kbops.analytics.gaps has grouped near-duplicate phrasings.
-- Input: query_stats (gaps.sql), search_outcomes, contacted_sessions; query_cluster(query, cluster).

-- name: candidates
-- Normalised queries with zero-result searches or contacted sessions, strongest signal first
-- (query_stats: gaps.sql).
SELECT query, searches, zero_result_searches, contacted_sessions, locale
FROM query_stats
WHERE query <> '' AND (zero_result_searches > 0 OR contacted_sessions > 0)
ORDER BY zero_result_searches + contacted_sessions DESC, searches DESC, query
LIMIT 500;

-- name: clicks
-- Which doc each normalised query led to, and how often no contact followed (the reader was helped).
SELECT o.query_norm AS query, mode(o.locale) AS locale, o.clicked_doc AS doc, count(*) AS clicks,
       count(*) FILTER (WHERE c.session IS NULL) AS resolved
FROM search_outcomes AS o
LEFT JOIN contacted_sessions AS c USING (session)
WHERE o.clicked_doc IS NOT NULL AND o.query_norm <> '' AND c.session IS NULL
GROUP BY o.query_norm, o.clicked_doc
ORDER BY resolved DESC, query, doc
LIMIT 3000;

-- name: cluster_counts
SELECT
    k.cluster,
    count(*) AS searches,
    count(*) FILTER (WHERE o.zero_result) AS zero_result_searches,
    count(DISTINCT o.session) AS sessions,
    count(DISTINCT c.session) AS contacted_sessions
FROM search_outcomes AS o
JOIN query_cluster AS k ON k.query = o.query_norm
LEFT JOIN contacted_sessions AS c USING (session)
GROUP BY k.cluster;
