"""Synthetic support event log with a KNOWN true deflection rate (deterministic for a given seed).

Sessions are built from Banking77 customer queries (PolyAI, Casanueva et al. 2020, CC-BY-4.0) against
the bundled knowledge base's doc ids (docs whose `intents` name a Banking77 category serve it; without
such docs, synthetic ids derived from the categories). Realistic complications are included on
purpose: known and anonymous users with several sessions, contacts by chat hand-off in the session,
from another session of the same user and as Zendesk ticket exports (requester e-mail, hashed with
the salt), contacts before a search and after the window (which must NOT count), sessions spanning
midnight, clicks after the next search, blank queries, zero-result "content gap" intents, docs that
fail (read, then contact), personal data in queries, UTC offsets, exact duplicate lines, malformed
lines and late (out-of-order) writes.

Planted on purpose, and written to the truth file under `planted`, so that a report can be tested
against what is really wrong rather than against a golden file:
- `bad_docs`: one doc in twelve fails (readers who open it contact support 30 points more often and vote
  it unhelpful); `kb deflection`'s fix-first list must put exactly these on top.
- `translation_demand`: Spanish and French phrasings (PLANTED_QUERIES) typed by readers of that language
  for intents whose docs exist only in another language; they click the doc in the other language.

The generator keeps its own ground truth while generating (one Python pass, independent of the
SQL in kbops/analytics/sql) and writes it to `<out>.truth.json`: searches, zero-result and clicked
searches, self-service and contacted sessions, and the true deflection rate for W = 24 h.

    python bench/gen_events.py --events 1000000 --out bench/out/deflection/events-1m.jsonl --parquet --tickets
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "bench"))

from shared_data import banking77_csv  # noqa: E402

from kbops.pii import pseudonymous_id  # noqa: E402

BANKING77 = banking77_csv()
WINDOW = 24 * 3600
EVENTS_PER_USER_DAY = 1.1  # measured: events per known user per day (with anonymous sessions), to size the user base
START = 1_790_812_800  # 2026-10-01T00:00:00Z (integer seconds throughout: no rounding surprises)
LOCALES = (("en", 0.7), ("es", 0.2), ("fr", 0.1))
CHANNELS = (("site", 0.6), ("app", 0.25), ("widget", 0.15))
# What Spanish and French readers type for a few Banking77 intents (hand-written; Banking77 is English).
# Planted only where the intent's docs have no translation in that language: translation demand.
PLANTED_QUERIES: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "card_about_to_expire": ("mi tarjeta va a caducar", "como renuevo mi tarjeta caducada"),
        "request_refund": ("como pido un reembolso", "quiero que me devuelvan el dinero"),
        "transfer_timing": ("cuanto tarda una transferencia",),
        "card_payment_not_recognised": ("hay un cargo que no reconozco", "pago desconocido en mi tarjeta"),
        "apple_pay_or_google_pay": ("añadir mi tarjeta a apple pay",),
    },
    "fr": {
        "card_about_to_expire": ("ma carte va expirer", "renouveler ma carte"),
        "card_payment_fee_charged": ("frais sur mon paiement par carte",),
    },
}
PII_SUFFIXES = (" my email is {u}@example.com", " call me on +34 612 {n:03d} {m:03d}", " card 4111 1111 1111 1111")


def banking77_queries(path: Path) -> dict[str, list[str]]:
    by_intent: dict[str, list[str]] = defaultdict(list)
    if not path.is_file():
        sys.exit(f"gen_events: Banking77 not found at {path} (pass --banking77)")
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_intent[row["category"]].append(row["text"].strip())
    return dict(sorted(by_intent.items()))


def kb_docs_for(intents: list[str], kb_root: Path | None) -> tuple[dict[str, list[str]], dict[str, str], str, str]:
    """intent -> doc ids serving it (public docs first), doc id -> locale, where they come from, and the KB's
    default locale: from the bundled KB when its published docs name Banking77 intents, else synthetic ids."""
    serving: dict[str, list[str]] = defaultdict(list)
    locale_of: dict[str, str] = {}
    source = "synthetic"
    default_locale = "en"  # synthetic ids: English, like the Banking77 queries
    if kb_root is not None:
        try:
            from kbops.config import load_settings
            from kbops.model.loader import load_corpus
            from kbops.publishing import ANONYMOUS_AUDIENCE, is_visible

            settings = load_settings(kb_root)
            default_locale = settings.default_locale
            corpus = load_corpus(settings)
            doc_ids = sorted({d.id for d in corpus.docs if d.id and d.get("status") == "published"})
            published = (
                [d for d in corpus.docs if d.id and d.get("status") == "published"] if len(doc_ids) >= 10 else []
            )
            # Customers on the help site reach public docs only.
            for doc in sorted((d for d in published if is_visible(d, ANONYMOUS_AUDIENCE)), key=lambda d: d.id):
                locale_of[doc.id] = doc.get("locale") or default_locale
                for intent in doc.get("intents") or []:
                    if intent in intents and doc.id not in serving[intent]:
                        serving[intent].append(doc.id)
            if len(doc_ids) >= 10:  # a real KB, not the skeleton's home page
                source = f"kb ({len(doc_ids)} published docs)"
        except Exception as exc:  # no KB, or a KB being written: fall back to synthetic ids
            print(f"gen_events: KB not usable ({exc}); using synthetic doc ids", file=sys.stderr)
    if not any(serving.values()):
        serving, locale_of = defaultdict(list), {}
        for index, intent in enumerate(intents):
            if index % 11 != 0:  # every 11th intent has no doc: a content gap
                serving[intent].append(intent.replace("_", "-"))
    return serving, locale_of, source, default_locale


def pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    x, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if x < total:
            return value
    return weighted[-1][0]


def iso(ts: float, rng: random.Random) -> str:
    """UTC `Z` mostly; 5% written with a UTC offset (same instant)."""
    if rng.random() < 0.05:
        offset = rng.choice((1, 2, -5))
        local = time.gmtime(ts + offset * 3600)
        return time.strftime("%Y-%m-%dT%H:%M:%S", local) + f"{'+' if offset > 0 else '-'}{abs(offset):02d}:00"
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class Generator:
    """Generates day by day; keeps the ground truth of every metric as it goes."""

    def __init__(self, args: argparse.Namespace):
        self.rng = random.Random(args.seed)
        self.args = args
        self.queries = banking77_queries(args.banking77)
        self.intents = list(self.queries)
        self.serving, self.locale_of, self.doc_source, self.default_locale = kb_docs_for(self.intents, args.kb_root)
        docs = sorted({d for ids in self.serving.values() for d in ids})
        self.bad_docs = set(self.rng.sample(docs, min(len(docs), max(3, len(docs) // 12)))) if docs else set()
        self.findability_gaps = set(self.intents[::11])
        self.planted = {  # (locale, intent) -> phrasings, where no doc of the intent is in that locale
            (locale, intent): phrasings
            for locale, by_intent in PLANTED_QUERIES.items()
            for intent, phrasings in by_intent.items()
            if self.serving.get(intent)
            and intent not in self.findability_gaps
            and all(self.locale_of.get(d, self.default_locale) != locale for d in self.serving[intent])
        }
        self.quoted = {i: [json.dumps(q, ensure_ascii=False) for q in qs] for i, qs in self.queries.items()}
        self.truth = dict(
            events=0,
            lines=0,
            searches=0,
            zero_result_searches=0,
            clicked_searches=0,
            self_service_sessions=0,
            contacted_sessions=0,
            duplicate_lines=0,
            malformed_lines=0,
            tickets=0,
        )
        self.buckets: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self.tickets: list[tuple[int, str]] = []
        self.session_end = 0

    def emit(self, ts: int, body: str, *, activity: bool = True) -> None:
        """Queue one event line (body = the JSON members after ts) in its day's bucket."""
        if activity:  # search, click, view, feedback: they define the session's end
            self.session_end = max(self.session_end, ts)
        line = '{"ts": "' + iso(ts, self.rng) + '", ' + body + "}"
        self.truth["events"] += 1
        # Collector lag: 1% of lines are written up to a minute late (out of order in the file).
        key = ts + (self.rng.randint(1, 60) if self.rng.random() < 0.01 else 0)
        bucket = self.buckets[ts // 86400]
        bucket.append((key, line))
        if self.rng.random() < 0.002:  # a retried write: an exact duplicate line
            bucket.append((key, line))
            self.truth["duplicate_lines"] += 1

    def docs_of(self, intent: str, locale: str) -> tuple[list[str], float]:
        docs = self.serving.get(intent) or []
        # A reader gets the doc in their language when it exists (translations carry the same intents),
        # else the one in the KB's default locale.
        default = self.default_locale
        localized = [d for d in docs if self.locale_of.get(d, default) == locale]
        docs = localized or [d for d in docs if self.locale_of.get(d, default) == default] or docs
        # Content gaps: intents without a doc, and every 11th intent, whose doc customers' wording rarely finds.
        gap = not docs or intent in self.findability_gaps
        return docs, (0.75 if gap else 0.06)

    def session(self, sid: str, user: str | None, email: str | None, start: int) -> None:
        rng, t = self.rng, start
        self.session_end = start
        who = f'"session": "{sid}"' + (f', "user": "{user}"' if user else "")
        locale = pick(rng, LOCALES)
        ctx = f'"locale": "{locale}", "channel": "{pick(rng, CHANNELS)}"'
        intent = rng.choice(self.intents)
        docs, zero_p = self.docs_of(intent, locale)
        any_results = saw_bad = searched = False
        if rng.random() < 0.12 and docs:  # arrived from a web search engine: a view, no site search
            self.emit(t, f'"event": "view", {who}, "doc": "{docs[0]}", {ctx}')
            saw_bad = docs[0] in self.bad_docs
        else:
            for index in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
                if index and rng.random() < 0.25:
                    intent = rng.choice(self.intents)
                    docs, zero_p = self.docs_of(intent, locale)
                if rng.random() < 0.01:  # a blank query: not a search
                    self.emit(t, f'"event": "search", {who}, "query": "  ", "results": 3, {ctx}')
                    t += rng.randint(5, 30)
                query = rng.choice(self.quoted[intent])
                if (locale, intent) in self.planted and rng.random() < 0.5:
                    query = json.dumps(rng.choice(self.planted[locale, intent]), ensure_ascii=False)
                if rng.random() < 0.001:  # personal data typed into the search box
                    query = json.dumps(
                        json.loads(query)
                        + rng.choice(PII_SUFFIXES).format(
                            u=f"c{rng.randrange(10**6)}", n=rng.randrange(1000), m=rng.randrange(1000)
                        )
                    )
                results = 0 if rng.random() < zero_p else rng.randint(1, 12)
                self.emit(t, f'"event": "search", {who}, "query": {query}, "results": {results}, {ctx}')
                self.truth["searches"] += 1
                self.truth["zero_result_searches"] += results == 0
                searched, any_results = True, any_results or results > 0
                gap = rng.randint(60, 900)
                if results and docs and rng.random() < 0.55:
                    click = t + rng.randint(3, min(gap - 5, 1500))  # within 30 min, before the next search
                    doc = docs[0] if rng.random() < 0.8 else rng.choice(docs)
                    self.emit(click, f'"event": "click", {who}, "doc": "{doc}", "rank": {rng.randint(1, 3)}, {ctx}')
                    self.truth["clicked_searches"] += 1
                    self.emit(click + rng.randint(1, 4), f'"event": "view", {who}, "doc": "{doc}", {ctx}')
                    saw_bad = saw_bad or doc in self.bad_docs
                    if rng.random() < 0.15:
                        helpful = "false" if doc in self.bad_docs or rng.random() < 0.2 else "true"
                        self.emit(
                            click + rng.randint(20, 200),
                            f'"event": "feedback", {who}, "doc": "{doc}", "helpful": {helpful}, {ctx}',
                        )
                    t = max(t + gap, click + 210)
                elif results and docs and rng.random() < 0.05:
                    late = t + rng.randint(1801, 3000)  # a click more than 30 min later: NOT a click-through
                    self.emit(late, f'"event": "click", {who}, "doc": "{docs[0]}", "rank": 1, {ctx}')
                    t = late + gap
                else:
                    t += gap
        end = self.session_end
        self.truth["self_service_sessions"] += 1
        p_contact = 0.18 + (0.45 if searched and not any_results else 0) + (0.3 if saw_bad else 0)
        if rng.random() < min(p_contact, 0.9):
            self.truth["contacted_sessions"] += 1
            exact = rng.random() < 0.01  # 1%: exactly at end + W (inclusive)
            if user is None or rng.random() < 0.5:  # chat hand-off in the same session
                at = end + (WINDOW if exact else rng.randint(30, 3600))
                self.emit(at, f'"event": "contact", {who}, {ctx}', activity=False)
            else:
                at = end + (WINDOW if exact else rng.randint(0, WINDOW))
                if email and self.args.tickets and rng.random() < 0.5:  # a ticket in the help desk
                    self.tickets.append((at, email))
                else:  # the contact form, from another session of the same user
                    self.emit(
                        at,
                        f'"event": "contact", "session": "{sid}-c", "user": "{user}", "channel": "form"',
                        activity=False,
                    )
        elif user is not None and rng.random() < 0.1:
            # Contacts that must NOT count: after the window, or in the session before any search.
            if rng.random() < 0.5:
                self.emit(
                    end + WINDOW + rng.randint(1, 12 * 3600),
                    f'"event": "contact", "session": "{sid}-l", "user": "{user}"',
                    activity=False,
                )
            else:
                self.emit(start - rng.randint(30, 600), f'"event": "contact", {who}, {ctx}', activity=False)

    def run(self, out: Path) -> dict:
        rng, days = self.rng, self.args.days
        # Known users: sessions at least 3 days apart, so that a contact can belong to one session only.
        per_day: dict[int, list[int]] = defaultdict(list)
        for number in range(max(10, int(self.args.events / EVENTS_PER_USER_DAY / days))):
            day = rng.randrange(0, 4)
            while day < days:
                per_day[day].append(number)
                day += rng.randint(3, 8)
        anonymous, written = 0, 0
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as handle:
            for day in range(days):
                base = START + day * 86400
                for number in per_day.get(day, []):
                    email = f"customer{number}@example.com"
                    self.session(
                        f"s-{number}-{day}", pseudonymous_id(email, self.args.salt), email, base + rng.randrange(86400)
                    )
                for _ in range(len(per_day.get(day, [])) // 2):
                    anonymous += 1
                    self.session(f"a-{anonymous}", None, None, base + rng.randrange(86400))
                written += self.flush(handle, before=base // 86400 - 1)
                self.truth["days"] = day + 1
                if self.truth["events"] >= self.args.events:
                    break
            written += self.flush(handle, before=None)
        self.truth["lines"] = written
        self.truth["planted"] = {
            "bad_docs": sorted(self.bad_docs),
            "translation_demand": [
                {"locale": locale, "intent": intent, "queries": list(phrasings), "docs": list(self.serving[intent])}
                for (locale, intent), phrasings in sorted(self.planted.items())
            ],
        }
        return self.truth

    def flush(self, handle, before: int | None) -> int:
        """Write, in time order, the days before `before` (all when None): later days may still grow."""
        written = 0
        for day in sorted(self.buckets):
            if before is not None and day >= before:
                break
            for _, line in sorted(self.buckets.pop(day), key=lambda item: item[0]):
                if self.rng.random() < 0.0001:  # a torn write: a malformed line before the real one
                    handle.write(line[: len(line) // 2] + "\n")
                    self.truth["malformed_lines"] += 1
                    written += 1
                handle.write(line + "\n")
                written += 1
        return written


def scale(source: Path, factor: int, out: Path) -> dict:
    """A log `factor` times larger: every line of `source` repeated with disjoint session and user ids.

    Copies are interleaved line by line, so the file stays in time order; sessions and users of
    different copies never meet, so every count of the source's truth scales by `factor` and every
    rate stays the same. (Generating 10M events directly takes ~40 minutes on a busy 2-core machine;
    this takes a minute.)
    """
    truth = json.loads(source.with_suffix(".truth.json").read_text())
    if truth.get("tickets"):
        sys.exit("gen_events: --scale-from needs a source generated without --tickets")
    out.parent.mkdir(parents=True, exist_ok=True)
    if factor > 16:
        sys.exit("gen_events: --factor is at most 16 (one hex digit tags each copy's user ids)")
    user = re.compile(r'"user": "u-[0-9a-f]')
    with source.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            for copy in range(factor):
                # Sessions get a prefix; user ids keep the collector's pseudonym shape (u- + 16 hex digits),
                # their first digit replaced by the copy's, so copies never share a user.
                tagged = line.replace('"session": "', f'"session": "k{copy}-')
                dst.write(user.sub(f'"user": "u-{copy:x}', tagged) if '"user"' in tagged else tagged)
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
        truth[key] *= factor
    truth["scaled_from"] = {"file": str(source), "factor": factor}
    return truth


def default_salt(kb_root: Path | None) -> str:
    """The salt `kb deflection` would use in that knowledge base (kbops.analytics.options.resolve_salt):
    [tool.kbops.analytics]/[tool.kbops.server] user_salt, KB_USER_SALT, .kb/user-salt, or the default."""
    from kbops.analytics.options import DEFAULT_SALT, AnalyticsConfig, resolve_salt
    from kbops.config import load_settings

    try:
        settings = load_settings(kb_root)
        return resolve_salt(settings, settings.section("analytics", AnalyticsConfig))[0]
    except Exception:  # no usable KB there: kb deflection would fall back to the default salt too
        return DEFAULT_SALT


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="approximate number of events (default 1M)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "deflection" / "events.jsonl")
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--days", type=int, default=28, help="length of the period in days")
    parser.add_argument(
        "--salt",
        help="user pseudonym salt (default: the one `kb deflection` uses in --kb-root, "
        "so that its tickets join with no setting; pass the same KB_USER_SALT to kb deflection otherwise)",
    )
    parser.add_argument("--tickets", action="store_true", help="also write <out>.tickets.csv (Zendesk columns)")
    parser.add_argument(
        "--parquet", action="store_true", help="also write <out stem>.parquet (valid events, same truth)"
    )
    parser.add_argument("--banking77", type=Path, default=BANKING77)
    parser.add_argument("--kb-root", type=Path, default=REPO, help="knowledge base whose doc ids are used")
    parser.add_argument(
        "--scale-from", type=Path, help="instead of generating, repeat this generated log with disjoint ids"
    )
    parser.add_argument("--factor", type=int, default=10, help="with --scale-from: how many copies")
    args = parser.parse_args(argv)
    if args.salt is None:
        args.salt = default_salt(args.kb_root)
    started = time.perf_counter()
    if args.scale_from:
        truth = scale(args.scale_from, args.factor, args.out)
        generator = None
    else:
        generator = Generator(args)
        truth = generator.run(args.out)
    files = {"events": str(args.out)}
    if args.tickets and generator is not None:
        ticket_path = args.out.with_suffix(".tickets.csv")
        with ticket_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Id", "Subject", "Created at", "Requester", "Via"])
            for number, (at, email) in enumerate(sorted(generator.tickets), 1):
                writer.writerow(
                    [number, "Help", time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at)), email, "Web form"]
                )
        truth["tickets"] = len(generator.tickets)
        files["tickets"] = str(ticket_path)
    if args.parquet:
        import duckdb

        parquet_path = args.out.with_suffix(".parquet")
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute(
            f"COPY (SELECT * FROM read_json('{args.out}', format = 'newline_delimited', ignore_errors = true, columns = {{"
            "ts: 'VARCHAR', event: 'VARCHAR', session: 'VARCHAR', user: 'VARCHAR', query: 'VARCHAR', results: 'BIGINT', "
            "doc: 'VARCHAR', rank: 'BIGINT', helpful: 'BOOLEAN', locale: 'VARCHAR', channel: 'VARCHAR'}) "
            f"WHERE event IS NOT NULL) TO '{parquet_path}' (FORMAT parquet, COMPRESSION zstd)"
        )
        files["parquet"] = str(parquet_path)
    truth.update(
        true_deflection_rate=1 - truth["contacted_sessions"] / max(1, truth["self_service_sessions"]),
        zero_result_rate=truth["zero_result_searches"] / max(1, truth["searches"]),
        click_through_rate=truth["clicked_searches"] / max(1, truth["searches"]),
        window_hours=WINDOW / 3600,
        seed=truth.get("seed", args.seed),
        salt=truth.get("salt", args.salt),
        doc_source=generator.doc_source if generator else truth.get("doc_source"),
        files=files,
        seconds=round(time.perf_counter() - started, 1),
    )
    sidecar = args.out.with_suffix(".truth.json")
    sidecar.write_text(json.dumps(truth, indent=2) + "\n")
    return truth


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
