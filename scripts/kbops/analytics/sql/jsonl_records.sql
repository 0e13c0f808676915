-- One record per line of a JSON-lines event log, every field as text.
-- Input:  raw_lines(file_id, line_no, line)  -- line_no counts from 1, blank lines included
-- Output: view jsonl_records, the shape stage.sql expects from every source format as raw_records
-- (kb deflection unions it with CSV and Parquet sources into raw_records).
CREATE OR REPLACE TEMP VIEW jsonl_records AS
SELECT
    file_id,
    line_no,
    -- Each line is parsed twice (json_valid, then one multi-path extraction), never more.
    CASE
        WHEN f IS NOT NULL AND starts_with(ltrim(line), '{') THEN NULL
        WHEN line IS NULL OR trim(line) = '' THEN 'blank_line'
        WHEN f IS NULL THEN 'malformed_json'
        ELSE 'not_an_object'
    END AS record_problem,
    f[1] AS ts,
    f[1] AS ts_text,
    f[2] AS event,
    f[3] AS session,
    f[4] AS "user",
    false AS from_ticket,
    f[5] AS query,
    f[6] AS results,
    f[7] AS doc,
    f[8] AS rank,
    f[9] AS helpful,
    f[10] AS locale,
    f[11] AS channel,
    f[12] AS audience
FROM (
    SELECT
        file_id,
        line_no,
        line,
        CASE WHEN json_valid(line) THEN
            json_extract_string(line, ['$.ts', '$.event', '$.session', '$.user', '$.query', '$.results',
                                       '$.doc', '$.rank', '$.helpful', '$.locale', '$.channel', '$.audience'])
        END AS f
    FROM raw_lines
);
