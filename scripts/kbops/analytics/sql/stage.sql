-- Type every field, normalise timestamps to UTC and name what is wrong with each record.
-- Input:  raw_records(file_id, line_no, record_problem, ts, ts_text, event, session, user, from_ticket,
--                     query, results, doc, rank, helpful, locale, channel, audience)  -- any column types
-- Output: staged, one row per record; `problem` is NULL for a valid event, else a stable code;
--         view staged_lines: staged with file_id and line_no (both are in record_id).
-- The table is kept narrow (it is the largest thing in memory: 10M events must stay inside
-- memory_limit or every later step spills): file and line live in record_id only, `event` and
-- `ts_zone` are one-byte enums (types event_kind, ts_zone_kind: kbops.analytics.engine.connect).
-- `is_search`: a search whose query is non-empty after trimming (the only searches that count).
--
-- Timestamps: ISO 8601 with `Z`, an offset (`+01:00`) or none (taken as UTC); epoch seconds; and the
-- help-desk export formats listed below. All become TIMESTAMP in UTC.
-- Users: one identity rule for event users and ticket requesters alike (kbops.identity, the collector's
-- too): every value that is not already a pseudonym (`u-` + 16 hex digits) is replaced by its salted
-- pseudonym: users.sql swaps them for the pseudonyms computed in Python over the DISTINCT values
-- (cheaper than any per-row test). `from_ticket` marks ticket-export rows.
-- Audience: the reader's audience the collector recorded from the API key; none = public (logs
-- written before the collector recorded it, and customers without a key). Tickets have none.
CREATE OR REPLACE TABLE staged AS
WITH typed AS (
    SELECT
        CAST(file_id AS BIGINT) * 1099511627776 + line_no AS record_id,
        file_id,
        line_no,
        record_problem,
        ts,
        ts_text,
        coalesce(
            TRY_CAST(ts AS TIMESTAMPTZ),
            CASE WHEN regexp_full_match(ts_text, '[0-9]{9,11}(\.[0-9]+)?') THEN to_timestamp(TRY_CAST(ts_text AS DOUBLE)) END,
            try_strptime(ts_text, ['%Y-%m-%d %H:%M:%S %z', '%Y-%m-%d %H:%M %z', '%Y-%m-%d %H:%M',
                                   '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%a, %d %b %Y %H:%M:%S %z'])
        ) AS ts_zoned,
        CAST(event AS VARCHAR) AS event,
        nullif(CAST(session AS VARCHAR), '') AS session,
        nullif(CAST("user" AS VARCHAR), '') AS user_raw,
        from_ticket,
        CAST(query AS VARCHAR) AS query,
        results AS results_raw,
        TRY_CAST(results AS BIGINT) AS results,
        nullif(CAST(doc AS VARCHAR), '') AS doc,
        rank AS rank_raw,
        TRY_CAST(rank AS BIGINT) AS rank,
        helpful AS helpful_raw,
        TRY_CAST(helpful AS BOOLEAN) AS helpful,
        nullif(CAST(locale AS VARCHAR), '') AS locale,
        nullif(CAST(channel AS VARCHAR), '') AS channel,
        nullif(CAST(audience AS VARCHAR), '') AS audience
    FROM raw_records
)
SELECT
    record_id,
    CASE
        WHEN record_problem IS NOT NULL THEN record_problem
        WHEN event IS NULL THEN 'missing_event'
        WHEN event NOT IN ('search', 'click', 'view', 'feedback', 'contact') THEN 'unknown_event_type'
        WHEN ts IS NULL THEN 'missing_ts'
        WHEN ts_zoned IS NULL OR NOT ts_zoned BETWEEN TIMESTAMPTZ '0001-01-02 00:00:00+00' AND TIMESTAMPTZ '9999-12-30 00:00:00+00'
            THEN 'invalid_ts'  -- year 0 or 9999-12-31 with an offset: outside what reports can print
        WHEN session IS NULL AND event <> 'contact' THEN 'missing_session'
        WHEN session IS NULL AND user_raw IS NULL THEN 'contact_without_session_or_user'
        WHEN event = 'search' AND query IS NULL THEN 'missing_query'
        WHEN event = 'search' AND results_raw IS NULL THEN 'missing_results'
        WHEN event = 'search' AND (results IS NULL OR results < 0) THEN 'invalid_results'
        WHEN event IN ('click', 'view', 'feedback') AND doc IS NULL THEN 'missing_doc'
        WHEN event = 'click' AND rank_raw IS NOT NULL AND rank IS NULL THEN 'invalid_rank'
        WHEN event = 'feedback' AND helpful_raw IS NULL THEN 'missing_helpful'
        WHEN event = 'feedback' AND helpful IS NULL THEN 'invalid_helpful'
    END AS problem,
    CASE
        WHEN record_problem IS NOT NULL THEN NULL
        WHEN event IS NULL OR event NOT IN ('search', 'click', 'view', 'feedback', 'contact') THEN left(event, 80)
        WHEN ts_zoned IS NULL OR NOT ts_zoned BETWEEN TIMESTAMPTZ '0001-01-02 00:00:00+00' AND TIMESTAMPTZ '9999-12-30 00:00:00+00'
            THEN left(CAST(ts AS VARCHAR), 80)
        WHEN event = 'search' AND results_raw IS NOT NULL AND (results IS NULL OR results < 0) THEN left(CAST(results_raw AS VARCHAR), 80)
    END AS problem_value,
    timezone('UTC', ts_zoned) AS ts,
    CAST(CASE
        WHEN ts_text IS NULL OR ends_with(ts_text, 'Z') THEN 'utc'
        WHEN regexp_matches(ts_text, '[+-][0-9]{2}:?[0-9]{2}$') THEN
            CASE WHEN regexp_matches(ts_text, '[+-]00:?00$') THEN 'utc' ELSE 'offset' END
        ELSE 'naive'
    END AS ts_zone_kind) AS ts_zone,
    TRY_CAST(event AS event_kind) AS event,
    session,
    user_raw AS "user",
    from_ticket,
    (contains(user_raw, '@') AND NOT from_ticket) AS user_was_email,
    query,
    (event = 'search' AND trim(query) <> '') AS is_search,
    results,
    doc,
    rank,
    helpful,
    locale,
    channel,
    CASE WHEN from_ticket THEN NULL ELSE coalesce(audience, 'public') END AS audience,
    -- Exact duplicates share this hash (events.sql confirms equality field by field).
    hash(ts_zoned, event, session, user_raw, query, results, doc, rank, helpful, locale, channel, audience) AS fingerprint
FROM typed;

CREATE OR REPLACE TEMP VIEW staged_lines AS
SELECT *, record_id // 1099511627776 AS file_id, record_id % 1099511627776 AS line_no
FROM staged;
