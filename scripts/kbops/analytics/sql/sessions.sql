-- Self-service sessions and which of them were followed by a contact.
-- Input:  events
-- Output: sessions(session, user, started, ended, locale, channel, week, searches, views),
--         contacted_sessions(session)
--
-- A self-service session has at least one search (non-empty query) or view. It starts at its first
-- and ends at its last search, click, view or feedback event; a contact does not extend it. Its
-- user is the (pseudonymous) user id it carries, if any; its locale and channel are those of its
-- first event that names one; its week is the ISO week (Monday, UTC) of its start.
-- It is contacted when a `contact` event of the same session, or of the same user when the user is
-- known, falls between its start and its end + W, both ends inclusive.
CREATE OR REPLACE TEMP TABLE sessions AS
SELECT
    session,
    max("user") AS "user",
    min(ts) AS started,
    max(ts) AS ended,
    coalesce(arg_min(locale, ts) FILTER (WHERE locale <> 'unknown'), 'unknown') AS locale,
    coalesce(arg_min(channel, ts) FILTER (WHERE channel <> 'unknown'), 'unknown') AS channel,
    CAST(date_trunc('week', min(ts)) AS DATE) AS week,
    count(*) FILTER (WHERE is_search) AS searches,
    count(*) FILTER (WHERE event = 'view') AS views
FROM events
WHERE in_period AND event <> 'contact'
GROUP BY session
HAVING count(*) FILTER (WHERE is_search OR event = 'view') > 0;

CREATE OR REPLACE TEMP TABLE contacted_sessions AS
WITH contacts AS (
    SELECT session, "user", ts FROM events WHERE event = 'contact'
)
SELECT s.session
FROM sessions AS s
JOIN contacts AS c
  ON c.session = s.session
 AND c.ts BETWEEN s.started AND s.ended + to_seconds(getvariable('window_seconds'))
UNION
SELECT s.session
FROM sessions AS s
JOIN contacts AS c
  ON c."user" = s."user"
 AND c.ts BETWEEN s.started AND s.ended + to_seconds(getvariable('window_seconds'));
