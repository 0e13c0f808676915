-- Keep only what the metrics count: drop invalid records and the later copies of exact duplicates.
-- Input:  staged, duplicate_copies (events.sql). Run after the input summary has read `staged`.
-- Output: staged with one row per valid, distinct event (read through the all_events view).
DELETE FROM staged
WHERE problem IS NOT NULL
   OR record_id IN (SELECT record_id FROM duplicate_copies);
