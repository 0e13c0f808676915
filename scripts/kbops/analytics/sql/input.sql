-- Ingest problems, for the "input" section of the report.
-- Input: staged, staged_lines (stage.sql). Each query below is run on its own by kbops.analytics.engine.

-- name: problems_by_file
SELECT file_id, problem, count(*) AS records, min(line_no) AS first_line
FROM staged_lines
WHERE problem IS NOT NULL
GROUP BY file_id, problem
ORDER BY file_id, problem;

-- name: problem_examples
SELECT file_id, line_no, problem, problem_value
FROM staged_lines
WHERE problem IS NOT NULL AND problem <> 'blank_line'
QUALIFY row_number() OVER (PARTITION BY problem ORDER BY file_id, line_no) <= getvariable('example_limit')
ORDER BY file_id, line_no;

-- name: record_counts
SELECT
    count(*) AS records,
    count(*) FILTER (WHERE problem IS NULL) AS valid_records,
    count(*) FILTER (WHERE problem = 'blank_line') AS blank_lines,
    count(*) FILTER (WHERE problem IS NULL AND ts_zone = 'offset') AS offset_timestamps,
    count(*) FILTER (WHERE problem IS NULL AND ts_zone = 'naive') AS naive_timestamps,
    count(*) FILTER (WHERE problem IS NULL AND user_was_email) AS email_user_ids
FROM staged;

-- name: out_of_order
-- Events whose timestamp is earlier than that of the valid event on the line before them in the
-- same file. Harmless (the metrics order by time) but worth knowing about a collector.
SELECT file_id, count(*) AS records, min(line_no) AS first_line
FROM (
    SELECT file_id, line_no, ts < lag(ts) OVER (PARTITION BY file_id ORDER BY line_no) AS late
    FROM staged_lines
    WHERE problem IS NULL
)
WHERE late
GROUP BY file_id;

-- name: duplicates
SELECT count(*) AS duplicated_events, coalesce(sum(copies - 1), 0) AS removed_records
FROM duplicate_groups;

-- name: duplicate_examples
-- The first and the last line of a few records that occur more than once.
SELECT event_id, last_copy_id, copies
FROM duplicate_groups
ORDER BY event_id
LIMIT getvariable('example_limit');
