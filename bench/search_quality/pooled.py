"""Pooled tuning with leave-one-set-out: one setting for every set, checked on sets it was not tuned on.

`grid` scores each candidate setting on the dev half of every set; `choose` takes the candidate with the
best mean dev MRR over a group of sets that loses no set against today's; `leave_one_set_out` picks, for each set, the candidate best on the
*other* sets' dev halves and scores it on that set's test half. A setting that only wins where it was tuned
shows up there as a loss against the pooled choice.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from kbops.search.config import SearchConfig


def grid(
    candidates: dict[str, SearchConfig], sets: list, evaluate: Callable[[str, SearchConfig, str], float]
) -> dict[str, dict[str, float]]:
    """{candidate: {set: dev MRR}}; `evaluate(set_name, config, split)` ranks one set's split at a config."""
    table: dict[str, dict[str, float]] = {}
    for label, config in candidates.items():
        table[label] = {s.name: evaluate(s.name, config, "dev") for s in sets}
        row = " ".join(f"{name} {mrr:.4f}" for name, mrr in table[label].items())
        print(f"  {label}: dev MRR {row}", file=sys.stderr)
    return table


def choose(table: dict[str, dict[str, float]], names: list[str], prefer: str = "") -> str:
    """The candidate with the best mean dev MRR over `names`, among those that lose no set to `prefer` (today's
    setting) by more than 0.001 when any does not (a setting that wins on one set and loses on another is no
    win); within 0.001 of that best mean, `prefer` itself."""
    means = {label: sum(row[n] for n in names) / len(names) for label, row in table.items()}
    base = table.get(prefer)
    safe = [label for label in table if base is None or all(table[label][n] >= base[n] - 0.001 for n in names)] or list(
        table
    )
    best = max(means[label] for label in safe)
    if prefer in safe and means[prefer] >= best - 0.001:
        return prefer
    return max(safe, key=lambda label: means[label])


def leave_one_set_out(table: dict[str, dict[str, float]], names: list[str], prefer: str = "") -> dict[str, str]:
    """For each set, the candidate chosen on every other set's dev half."""
    return {name: choose(table, [n for n in names if n != name] or names, prefer) for name in names}
