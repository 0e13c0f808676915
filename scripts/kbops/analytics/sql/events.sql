-- Valid events, exact duplicates counted once, restricted to the period.
-- Input:  staged
-- Output: duplicate_groups(event_id, last_copy_id, copies): records that occur more than once
--         (event_id = the first copy's record id);
--         view all_events(event_id, ts, event, session, user, query, is_search, results, doc, rank,
--                        helpful, locale, channel, audience, from_ticket, in_period): every audience;
--         view events: the same, restricted to the audience the metrics are about (variable
--         `audience`; NULL = all). Ticket contacts carry no audience and are kept for every audience:
--         they join sessions by user.
-- A duplicate is a record equal to another in every field (e.g. a retried write); the earliest
-- line is kept. Grouping on a 64-bit fingerprint is cheap; only records sharing one are compared
-- field by field. `all_events` is a view over `staged`, not a copy: once the input summary has been
-- read (kbops.analytics.engine), the invalid records and the duplicate copies are deleted from `staged`
-- (sql/prune.sql), which costs one pass over a few rows instead of writing every event a second time.
-- Period: since <= ts < until. Contacts up to until + W are kept (in_period = false) so that a
-- session near the end of the period still gets its full window.
CREATE OR REPLACE TEMP TABLE duplicate_groups AS
WITH repeated AS (
    SELECT fingerprint FROM staged WHERE problem IS NULL GROUP BY fingerprint HAVING count(*) > 1
)
SELECT
    min(record_id) AS event_id,
    max(record_id) AS last_copy_id,
    count(*) AS copies,
    list(record_id) AS record_ids
FROM staged
WHERE problem IS NULL AND fingerprint IN (SELECT fingerprint FROM repeated)
GROUP BY ts, event, session, "user", query, results, doc, rank, helpful, locale, channel, audience
HAVING count(*) > 1;

CREATE OR REPLACE TEMP TABLE duplicate_copies AS
SELECT unnest(record_ids) AS record_id FROM duplicate_groups
EXCEPT
SELECT event_id FROM duplicate_groups;

CREATE OR REPLACE TEMP VIEW all_events AS
SELECT
    record_id AS event_id,
    ts,
    event,
    session,
    "user",
    query,
    is_search,
    results,
    doc,
    rank,
    helpful,
    coalesce(locale, 'unknown') AS locale,
    coalesce(channel, 'unknown') AS channel,
    audience,
    from_ticket,
    (getvariable('since') IS NULL OR ts >= getvariable('since'))
        AND (getvariable('until') IS NULL OR ts < getvariable('until')) AS in_period
FROM staged
WHERE problem IS NULL
  AND (getvariable('since') IS NULL OR ts >= getvariable('since'))
  AND (getvariable('until') IS NULL OR ts < getvariable('until')
       OR (event = 'contact' AND ts <= getvariable('until') + to_seconds(getvariable('window_seconds'))));

CREATE OR REPLACE TEMP VIEW events AS
SELECT *
FROM all_events
WHERE getvariable('audience') IS NULL OR audience IS NULL OR audience = getvariable('audience');
