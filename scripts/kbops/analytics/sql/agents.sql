-- Agent search: searches by readers whose audience is partner (BPO agents) or internal (staff).
-- They are kept out of the customer metrics (events is restricted to one audience, public by default);
-- what agents search for and cannot find is a content gap for partner docs.
-- Input:  all_events, query_forms. Each query below is run on its own by kbops.analytics.engine.

-- name: totals
SELECT audience, count(*) AS searches, count(*) FILTER (WHERE results = 0) AS zero_result_searches,
       count(DISTINCT session) AS sessions
FROM all_events
WHERE in_period AND is_search AND audience IN ('partner', 'internal')
GROUP BY audience
ORDER BY audience;

-- name: queries
SELECT q.query_norm AS query, count(*) AS searches, count(*) FILTER (WHERE e.results = 0) AS zero_result_searches,
       count(DISTINCT e.session) AS sessions
FROM all_events AS e
JOIN query_forms AS q ON q.query = e.query
WHERE e.in_period AND e.is_search AND e.audience IN ('partner', 'internal')
GROUP BY q.query_norm
ORDER BY zero_result_searches DESC, searches DESC, query
LIMIT getvariable('gap_limit');
