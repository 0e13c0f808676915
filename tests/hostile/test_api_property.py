"""Property: whatever JSON, text or parameters reach any endpoint, the answer is below 500 and nothing is raised.

Hypothesis generates arbitrary JSON documents (deep, wide, huge numbers, strings with lone surrogates,
bidi controls and NULs), event-shaped objects whose fields hold any of those, raw bodies, query
parameters, headers and form posts; the real app answers through Starlette's TestClient, which
re-raises any unhandled exception. Events that are accepted are written to the real log.
"""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile.api_support import api_client

HOSTILE_STRINGS = st.sampled_from(
    [
        "\ud800",
        "\udfff",
        "x\ud83dy",
        "\x00",
        "\u202e",
        "\ufeff",
        "²",
        "٣",
        "9" * 5000,
        "-0",
        "1e999",
        "NaN",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+23:59",
        "john.doe@example.com",
        "4111.1111.1111.1111",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "",
        " ",
        "a" * 300,
    ]
)
TEXT = st.one_of(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40), HOSTILE_STRINGS)
NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**200), max_value=10**200),
    st.floats(allow_nan=False, allow_infinity=False),
)
JSON = st.recursive(
    st.none() | st.booleans() | NUMBERS | TEXT,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(TEXT, children, max_size=5),
    max_leaves=25,
)
FIELDS = ("ts", "event", "session", "user", "query", "results", "doc", "rank", "helpful", "locale", "channel")
EVENT = st.fixed_dictionaries(
    {"event": st.sampled_from(["search", "click", "view", "feedback", "contact"]) | JSON, "session": TEXT | JSON},
    optional={name: JSON for name in FIELDS if name not in ("event", "session")},
)
PARAMS = st.dictionaries(
    st.sampled_from(["q", "limit", "locale", "type", "product", "audience", "session", "user", "channel", "log"])
    | TEXT,
    TEXT,
    max_size=6,
)
PATHS = st.sampled_from(
    ["/api/events", "/api/events/", "/api/search", "/api/search/", "/api/whoami", "/api/x", "/login", "/healthz"]
)
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"])


def encode(document) -> bytes:
    # ASCII JSON: lone surrogates travel as \udXXX escapes, as a hostile client would send them.
    return json.dumps(document, ensure_ascii=True, allow_nan=True).encode("ascii")


def safe_text(value: str) -> str:
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    root = tmp_path_factory.mktemp("property-api") / "kb"
    with api_client(root) as client:
        yield client


def check(response, caplog) -> None:
    assert response.status_code < 500, (
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:300]}"
    )
    assert not [r for r in caplog.records if r.exc_info], "an exception was logged"


PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@PROPERTY
@given(document=JSON)
def test_any_json_document_to_the_collector(api, caplog, document):
    with caplog.at_level(logging.ERROR):
        check(api.post("/api/events", content=encode(document), headers={"Content-Type": "text/plain"}), caplog)


@PROPERTY
@given(events=st.lists(EVENT, min_size=1, max_size=8))
def test_any_event_batch_to_the_collector(api, caplog, events):
    with caplog.at_level(logging.ERROR):
        response = api.post("/api/events", content=encode(events))
        check(response, caplog)
        if response.status_code == 202:
            answer = response.json()
            assert answer["accepted"] + len(answer["rejected"]) == len(events)


@PROPERTY
@given(
    body=st.binary(max_size=300) | TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")), path=PATHS, method=METHODS
)
def test_any_bytes_to_any_endpoint(api, caplog, body, path, method):
    with caplog.at_level(logging.ERROR):
        check(api.request(method, path, content=body, headers={"Content-Type": "application/json"}), caplog)


@PROPERTY
@given(params=PARAMS, path=PATHS, key=TEXT)
def test_any_parameters_and_key_to_any_endpoint(api, caplog, params, path, key):
    params = {safe_text(k): safe_text(v) for k, v in params.items()}
    header = safe_text(key).encode("utf-8")[:200]
    with caplog.at_level(logging.ERROR):
        check(api.get(path, params=params, headers={"X-KB-Key": header, "X-KB-Session": header}), caplog)
        check(api.post("/login", data={"key": safe_text(key)}), caplog)
