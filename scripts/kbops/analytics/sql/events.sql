-- Valid events, exact duplicates removed, queries scrubbed, restricted to the period.
-- Input:  staged, query_forms
-- Output: events(event_id, ts, event, session, user, query, query_norm, is_search, results, doc, rank,
--                helpful, locale, channel, in_period, copies, last_copy_id)
-- A duplicate is a record equal to another in every field (e.g. a retried write); the earliest
-- line is kept and `copies` says how many identical records there were.
-- Period: since <= ts < until. Contacts up to until + W are kept (in_period = false) so that a
-- session near the end of the period still gets its full window.
CREATE OR REPLACE TEMP TABLE events AS
WITH unique_events AS (
    SELECT
        ts, event, session, "user", query, results, doc, rank, helpful, locale, channel,
        min(record_id) AS event_id,
        max(record_id) AS last_copy_id,
        count(*) AS copies
    FROM staged
    WHERE problem IS NULL
    GROUP BY ALL
)
SELECT
    u.event_id,
    u.ts,
    u.event,
    u.session,
    u."user",
    q.query_scrubbed AS query,
    q.query_norm,
    (u.event = 'search' AND q.query_norm <> '') AS is_search,
    u.results,
    u.doc,
    u.rank,
    u.helpful,
    coalesce(u.locale, 'unknown') AS locale,
    coalesce(u.channel, 'unknown') AS channel,
    (getvariable('since') IS NULL OR u.ts >= getvariable('since'))
        AND (getvariable('until') IS NULL OR u.ts < getvariable('until')) AS in_period,
    u.copies,
    u.last_copy_id
FROM unique_events AS u
LEFT JOIN query_forms AS q ON q.query = u.query
WHERE (getvariable('since') IS NULL OR u.ts >= getvariable('since'))
  AND (getvariable('until') IS NULL OR u.ts < getvariable('until')
       OR (u.event = 'contact' AND u.ts <= getvariable('until') + to_seconds(getvariable('window_seconds'))));
