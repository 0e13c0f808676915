-- The headline metrics, one row. Rates are NULL when their denominator is zero.
-- Input:  search_outcomes, sessions, contacted_sessions, events
--
-- deflection rate    = 1 - contacted sessions / self-service sessions
-- self-service score = distinct self-service users / distinct users with a contact in the period;
--                      a session (or contact) without a known user counts as its own user.
WITH s AS (
    SELECT
        count(*) AS searches,
        count(*) FILTER (WHERE zero_result) AS zero_result_searches,
        count(*) FILTER (WHERE clicked) AS clicked_searches
    FROM search_outcomes
),
ss AS (
    SELECT
        count(*) AS self_service_sessions,
        count(DISTINCT coalesce("user", 'session:' || session)) AS self_service_users
    FROM sessions
),
cs AS (
    SELECT count(*) AS contacted_sessions FROM contacted_sessions
),
cu AS (
    SELECT
        count(*) AS contacts,
        count(DISTINCT coalesce("user", 'session:' || session)) AS contact_users
    FROM events
    WHERE event = 'contact' AND in_period
)
SELECT
    s.searches,
    s.zero_result_searches,
    s.clicked_searches,
    ss.self_service_sessions,
    cs.contacted_sessions,
    ss.self_service_users,
    cu.contacts,
    cu.contact_users,
    s.zero_result_searches / nullif(s.searches, 0) AS zero_result_rate,
    s.clicked_searches / nullif(s.searches, 0) AS click_through_rate,
    1 - cs.contacted_sessions / nullif(ss.self_service_sessions, 0) AS deflection_rate,
    ss.self_service_users / nullif(cu.contact_users, 0) AS self_service_score
FROM s, ss, cs, cu;
