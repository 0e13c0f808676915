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
-- One window pass, no join back: ordered as above, a search's first following click is the next row,
-- so `lead` gives whether it was clicked in time and the doc (a later click cannot be earlier).
WITH ordered AS (
    SELECT
        event_id,
        session,
        ts,
        is_search,
        query,
        results,
        locale,
        channel,
        lead(is_search) OVER w AS next_is_search,
        lead(ts) OVER w AS next_ts,
        lead(doc) OVER w AS next_doc
    FROM events
    WHERE in_period AND (is_search OR event = 'click')
    WINDOW w AS (PARTITION BY session ORDER BY ts, is_search DESC, event_id)
),
outcomes AS (
    SELECT
        *,
        coalesce(NOT next_is_search AND next_ts <= ts + to_seconds(getvariable('click_seconds')), false) AS is_clicked
    FROM ordered
    WHERE is_search
)
SELECT
    o.event_id,
    o.session,
    o.ts,
    CAST(date_trunc('week', o.ts) AS DATE) AS week,
    o.locale,
    o.channel,
    q.query_norm,
    o.results = 0 AS zero_result,
    o.is_clicked AS clicked,
    CASE WHEN o.is_clicked THEN o.next_doc END AS clicked_doc
FROM outcomes AS o
LEFT JOIN query_forms AS q ON q.query = o.query;
