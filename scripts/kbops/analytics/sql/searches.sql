-- One row per search with its outcome.
-- Input:  events, query_forms (for the scrubbed, normalised query)
-- Output: search_outcomes(event_id, session, ts, week, locale, channel, query_norm, zero_result, clicked,
--                         clicked_doc)  -- clicked_doc: the first doc clicked for it (content gaps use it)
--
-- A search counts when its query is non-empty after trimming. It is clicked when, in the same
-- session, at least one click follows it before the session's next search and within
-- click_seconds (30 minutes, inclusive). Each click is attributed to the latest search at or before
-- it; a click at the same instant as a search belongs to that search.
CREATE OR REPLACE TEMP TABLE search_outcomes AS
WITH search_and_click AS (
    SELECT event_id, session, ts, is_search, doc
    FROM events
    WHERE in_period AND (is_search OR event = 'click')
),
attributed AS (
    SELECT
        ts,
        is_search,
        doc,
        last_value(CASE WHEN is_search THEN event_id END IGNORE NULLS) OVER w AS search_id,
        last_value(CASE WHEN is_search THEN ts END IGNORE NULLS) OVER w AS search_ts
    FROM search_and_click
    WINDOW w AS (PARTITION BY session ORDER BY ts, is_search DESC, event_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
clicked AS (
    SELECT search_id, arg_min(doc, ts) AS clicked_doc
    FROM attributed
    WHERE NOT is_search
      AND search_id IS NOT NULL
      AND ts <= search_ts + to_seconds(getvariable('click_seconds'))
    GROUP BY search_id
)
SELECT
    e.event_id,
    e.session,
    e.ts,
    CAST(date_trunc('week', e.ts) AS DATE) AS week,
    e.locale,
    e.channel,
    q.query_norm,
    e.results = 0 AS zero_result,
    c.search_id IS NOT NULL AS clicked,
    c.clicked_doc
FROM events AS e
LEFT JOIN clicked AS c ON c.search_id = e.event_id
LEFT JOIN query_forms AS q ON q.query = e.query
WHERE e.in_period AND e.is_search;
