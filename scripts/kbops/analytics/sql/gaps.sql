-- Content gaps: normalised queries ranked by zero-result count and by contacted-session count
-- (self-service sessions that searched the query and were contacted). Top gap_limit of each ranking.
-- Input: search_outcomes, contacted_sessions. Each query below is run on its own, in this order.

-- name: query_stats
-- One row per normalised query (also the candidates of the gap clusters, clusters.sql).
-- Grouped by (query, session) first: the distinct counts become plain counts, and the join with the
-- contacted sessions runs over one row per query and session.
CREATE OR REPLACE TEMP TABLE query_stats AS
WITH per_session AS (
    SELECT query_norm, session, count(*) AS searches, count(*) FILTER (WHERE zero_result) AS zero_result_searches,
           min(locale) AS locale
    FROM search_outcomes
    GROUP BY query_norm, session
)
SELECT
    p.query_norm AS query,
    CAST(sum(p.searches) AS BIGINT) AS searches,
    CAST(sum(p.zero_result_searches) AS BIGINT) AS zero_result_searches,
    count(*) AS sessions,
    count(c.session) AS contacted_sessions,
    mode(p.locale) AS locale
FROM per_session AS p
LEFT JOIN contacted_sessions AS c USING (session)
GROUP BY p.query_norm;

-- name: ranked
-- Output: query, searches, zero_result_searches, sessions, contacted_sessions, zero_result_rank,
-- contacted_rank (rank 1 = biggest gap).
WITH ranked AS (
    SELECT
        query, searches, zero_result_searches, sessions, contacted_sessions,
        row_number() OVER (ORDER BY zero_result_searches DESC, searches DESC, query) AS zero_result_rank,
        row_number() OVER (ORDER BY contacted_sessions DESC, searches DESC, query) AS contacted_rank
    FROM query_stats
)
SELECT *
FROM ranked
WHERE (zero_result_rank <= getvariable('gap_limit') AND zero_result_searches > 0)
   OR (contacted_rank <= getvariable('gap_limit') AND contacted_sessions > 0)
ORDER BY zero_result_rank
