-- Per doc: views, clicks, helpful yes/no, and the contact-after-view rate
-- (self-service sessions that viewed or clicked the doc and were contacted / sessions that viewed or
-- clicked it), and the language most of its readers browse in. Input: events, sessions, contacted_sessions.
-- Output: one row per doc id.
WITH doc_events AS (
    SELECT doc, event, helpful, session, locale
    FROM events
    WHERE in_period AND doc IS NOT NULL AND event IN ('view', 'click', 'feedback')
),
counts AS (
    SELECT
        doc,
        count(*) FILTER (WHERE event = 'view') AS views,
        count(*) FILTER (WHERE event = 'click') AS clicks,
        count(*) FILTER (WHERE event = 'feedback' AND helpful) AS helpful_yes,
        count(*) FILTER (WHERE event = 'feedback' AND NOT helpful) AS helpful_no,
        mode(locale) AS reader_locale
    FROM doc_events
    GROUP BY doc
),
reach AS (
    SELECT
        d.doc,
        count(*) AS sessions,
        count(c.session) AS contacted_sessions
    FROM (SELECT DISTINCT doc, session FROM doc_events WHERE event IN ('view', 'click')) AS d
    JOIN sessions AS s USING (session)
    LEFT JOIN contacted_sessions AS c USING (session)
    GROUP BY d.doc
)
SELECT
    counts.doc,
    counts.views,
    counts.clicks,
    counts.helpful_yes,
    counts.helpful_no,
    coalesce(reach.sessions, 0) AS sessions,
    coalesce(reach.contacted_sessions, 0) AS contacted_sessions,
    reach.contacted_sessions / nullif(reach.sessions, 0) AS contact_after_view_rate,
    counts.reader_locale
FROM counts
LEFT JOIN reach USING (doc)
ORDER BY contact_after_view_rate DESC NULLS LAST, contacted_sessions DESC, counts.doc;
