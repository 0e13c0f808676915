-- The metrics by locale, by channel and by ISO week (UTC, Monday).
-- Input:  sessions, contacted_sessions, search_outcomes
-- Output rows: dimension, value, searches, zero_result_searches, clicked_searches,
--              self_service_sessions, contacted_sessions, and the three rates (NULL when undefined).
-- Sessions are attributed by their first locale/channel and their start week; searches by their own.
WITH by_session AS (
    SELECT
        CASE WHEN grouping(locale) = 0 THEN 'locale' WHEN grouping(channel) = 0 THEN 'channel' ELSE 'week' END AS dimension,
        CASE WHEN grouping(locale) = 0 THEN locale WHEN grouping(channel) = 0 THEN channel ELSE CAST(week AS VARCHAR) END AS value,
        count(*) AS self_service_sessions,
        count(c.session) AS contacted_sessions
    FROM sessions AS s
    LEFT JOIN contacted_sessions AS c USING (session)
    GROUP BY GROUPING SETS ((locale), (channel), (week))
),
by_search AS (
    SELECT
        CASE WHEN grouping(locale) = 0 THEN 'locale' WHEN grouping(channel) = 0 THEN 'channel' ELSE 'week' END AS dimension,
        CASE WHEN grouping(locale) = 0 THEN locale WHEN grouping(channel) = 0 THEN channel ELSE CAST(week AS VARCHAR) END AS value,
        count(*) AS searches,
        count(*) FILTER (WHERE zero_result) AS zero_result_searches,
        count(*) FILTER (WHERE clicked) AS clicked_searches
    FROM search_outcomes
    GROUP BY GROUPING SETS ((locale), (channel), (week))
)
SELECT
    dimension,
    value,
    coalesce(q.searches, 0) AS searches,
    coalesce(q.zero_result_searches, 0) AS zero_result_searches,
    coalesce(q.clicked_searches, 0) AS clicked_searches,
    coalesce(s.self_service_sessions, 0) AS self_service_sessions,
    coalesce(s.contacted_sessions, 0) AS contacted_sessions,
    q.zero_result_searches / nullif(q.searches, 0) AS zero_result_rate,
    q.clicked_searches / nullif(q.searches, 0) AS click_through_rate,
    1 - s.contacted_sessions / nullif(s.self_service_sessions, 0) AS deflection_rate
FROM by_session AS s
FULL OUTER JOIN by_search AS q USING (dimension, value)
ORDER BY dimension, value;
