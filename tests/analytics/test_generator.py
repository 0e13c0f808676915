"""bench/gen_events.py: deterministic, and `kb deflection` recovers its known true rates."""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.analytics.conftest import deflection
from tests.conftest import REPO


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_events", REPO / "bench" / "gen_events.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "events.jsonl"
    truth = load_generator().main(["--events", "20000", "--out", str(out), "--tickets", "--parquet", "--seed", "5"])
    return out, truth


def test_known_deflection_rate_is_recovered_within_half_a_point(generated):
    out, truth = generated
    report = deflection(out, tickets=(truth["files"]["tickets"],), user_salt=truth["salt"])
    assert truth["events"] >= 20000 and truth["tickets"] > 0
    assert abs(report.metrics.deflection_rate - truth["true_deflection_rate"]) <= 0.005
    # The generator's truth is exact by construction, so the counts agree too.
    m = report.metrics
    assert (m.searches, m.zero_result_searches, m.clicked_searches, m.self_service_sessions, m.contacted_sessions) == (
        truth["searches"],
        truth["zero_result_searches"],
        truth["clicked_searches"],
        truth["self_service_sessions"],
        truth["contacted_sessions"],
    )
    assert report.input.bad_records == truth["malformed_lines"]
    assert report.input.duplicate_records_removed == truth["duplicate_lines"]
    # every requester of the generator's tickets self-served: all of them match, no warning
    assert report.identity.requesters > 0 and report.identity.matched == report.identity.requesters
    assert report.warnings == ()


def test_a_wrong_salt_gives_the_warning_and_a_too_high_rate(generated):
    out, truth = generated
    report = deflection(out, tickets=(truth["files"]["tickets"],), user_salt="not-the-collectors")
    assert report.identity.matched == 0 and report.identity.likely_cause == "salt"
    assert "salt" in report.warnings[0]
    assert report.metrics.contacted_sessions < truth["contacted_sessions"]
    assert report.metrics.deflection_rate > truth["true_deflection_rate"]


def test_parquet_copy_gives_the_same_numbers(generated):
    out, truth = generated
    report = deflection(truth["files"]["parquet"], tickets=(truth["files"]["tickets"],), user_salt=truth["salt"])
    assert report.metrics.deflection_rate == pytest.approx(truth["true_deflection_rate"])


def test_generator_is_deterministic(tmp_path, generated):
    out, _ = generated
    again = tmp_path / "again.jsonl"
    load_generator().main(["--events", "20000", "--out", str(again), "--tickets", "--seed", "5"])
    assert again.read_bytes() == out.read_bytes()
    assert (
        json.loads(again.with_suffix(".truth.json").read_text())["contacted_sessions"]
        == json.loads(out.with_suffix(".truth.json").read_text())["contacted_sessions"]
    )


def test_scaled_log_keeps_the_rate_and_multiplies_the_counts(tmp_path):
    base = tmp_path / "base.jsonl"
    load_generator().main(["--events", "5000", "--out", str(base), "--seed", "9"])
    scaled = tmp_path / "x3.jsonl"
    truth = load_generator().main(["--scale-from", str(base), "--factor", "3", "--out", str(scaled)])
    report = deflection(scaled)
    assert (report.metrics.contacted_sessions, report.metrics.self_service_sessions) == (
        truth["contacted_sessions"],
        truth["self_service_sessions"],
    )
    assert report.metrics.deflection_rate == pytest.approx(truth["true_deflection_rate"])
    assert report.input.bad_records == truth["malformed_lines"]
