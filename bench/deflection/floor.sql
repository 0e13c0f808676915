-- The floor: the headline metrics as ONE DuckDB query straight over the file, no validation, no
-- line numbers, no scrubbing, no report sections. Same definitions as kbops/analytics/sql/*.sql.
-- {source} is replaced by read_json(...) or read_parquet(...) by run.py.
WITH ev AS (
    SELECT DISTINCT
        timezone('UTC', CAST(ts AS TIMESTAMPTZ)) AS ts, event, session, "user", query, results, doc, rank, helpful, locale, channel
    FROM {source}
    WHERE event IS NOT NULL
),
e AS (
    SELECT *, row_number() OVER () AS id, event = 'search' AND trim(query) <> '' AS is_search FROM ev
),
s AS (
    SELECT session, max("user") AS "user", min(ts) AS started, max(ts) AS ended
    FROM e
    WHERE event <> 'contact'
    GROUP BY session
    HAVING count(*) FILTER (WHERE is_search OR event = 'view') > 0
),
c AS (SELECT session, "user", ts FROM e WHERE event = 'contact'),
contacted AS (
    SELECT s.session FROM s JOIN c ON c.session = s.session AND c.ts BETWEEN s.started AND s.ended + INTERVAL 24 HOUR
    UNION
    SELECT s.session FROM s JOIN c ON c."user" = s."user" AND c.ts BETWEEN s.started AND s.ended + INTERVAL 24 HOUR
),
sc AS (
    SELECT ts, is_search,
        last_value(CASE WHEN is_search THEN id END IGNORE NULLS) OVER w AS search_id,
        last_value(CASE WHEN is_search THEN ts END IGNORE NULLS) OVER w AS search_ts
    FROM e WHERE is_search OR event = 'click'
    WINDOW w AS (PARTITION BY session ORDER BY ts, is_search DESC, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
clicked AS (
    SELECT count(DISTINCT search_id) AS n FROM sc
    WHERE NOT is_search AND search_id IS NOT NULL AND ts <= search_ts + INTERVAL 30 MINUTE
),
searches AS (
    SELECT count(*) AS n, count(*) FILTER (WHERE results = 0) AS zero FROM e WHERE is_search
)
SELECT
    searches.n AS searches,
    searches.zero / searches.n AS zero_result_rate,
    clicked.n / searches.n AS click_through_rate,
    (SELECT count(*) FROM s) AS self_service_sessions,
    (SELECT count(*) FROM contacted) AS contacted_sessions,
    1 - (SELECT count(*) FROM contacted) / (SELECT count(*) FROM s) AS deflection_rate
FROM searches, clicked;
