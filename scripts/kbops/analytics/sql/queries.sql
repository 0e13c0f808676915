-- Normalised form of each distinct (already scrubbed) query: lowercased, accent-folded, whitespace
-- collapsed. Content gaps group searches by this form.
-- Input:  scrubbed_queries(query, query_scrubbed)  -- one row per distinct raw query
-- Output: query_forms(query, query_scrubbed, query_norm)
CREATE OR REPLACE TEMP TABLE query_forms AS
SELECT
    query,
    query_scrubbed,
    trim(regexp_replace(lower(strip_accents(query_scrubbed)), '\s+', ' ', 'g')) AS query_norm
FROM scrubbed_queries;
