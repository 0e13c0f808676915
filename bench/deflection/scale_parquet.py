"""Larger Parquet logs for the scaling curve: the 10M Parquet log x k with disjoint sessions and users.

Copy c prefixes every session with `p<c>-` and replaces every user id by another pseudonym-shaped one
(`u-` + 16 hex digits of MD5(c || user)), so copies never meet: every count of the truth scales by k and
every rate stays the same. Written by DuckDB (COPY ... TO ... PARQUET), a minute per 10M rows.
"""

from __future__ import annotations

import json
from pathlib import Path


def ensure_parquet_multiple(base_truth: dict, size: int, folder: Path) -> dict:
    import duckdb

    factor = size // base_truth["events"] if base_truth["events"] else 0
    factor = max(1, round(size / base_truth["events"]))
    path = folder / f"events-{size // 1_000_000}m.parquet"
    truth_path = folder / f"events-{size // 1_000_000}m.parquet.truth.json"
    if path.is_file() and truth_path.is_file():
        return json.loads(truth_path.read_text())
    source = base_truth["files"]["parquet"]
    copies = "\nUNION ALL\n".join(
        f"SELECT * REPLACE ('p{c}-' || session AS session, "
        f'CASE WHEN "user" IS NULL THEN NULL ELSE \'u-\' || left(md5(\'{c}\' || "user"), 16) END AS "user") '
        f"FROM read_parquet('{source}')"
        for c in range(factor)
    )
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"COPY ({copies}) TO '{path}' (FORMAT PARQUET, COMPRESSION ZSTD)")
    truth = dict(base_truth)
    for key in (
        "events",
        "lines",
        "searches",
        "zero_result_searches",
        "clicked_searches",
        "self_service_sessions",
        "contacted_sessions",
        "duplicate_lines",
        "malformed_lines",
    ):
        truth[key] = base_truth[key] * factor
    truth["files"] = {"events": None, "parquet": str(path)}
    truth["scaled_from"] = {"file": source, "factor": factor}
    truth_path.write_text(json.dumps(truth, indent=2) + "\n")
    return truth
