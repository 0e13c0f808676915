"""`kb new`: scaffold a valid draft of a given type from a per-type, per-locale template."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from kbops import locale as locales
from kbops.config import Settings
from kbops.errors import UsageError
from kbops.model.document import slugify
from kbops.model.governance import Governance, load_governance
from kbops.model.loader import Corpus, load_corpus, parse_document
from kbops.model.schema import DocType
from kbops.model.taxonomy import load_taxonomy
from kbops.publishing import ANONYMOUS_AUDIENCE, require_audience

log = logging.getLogger(__name__)

# Where each type lives; articles and SOPs go into a product subfolder when a product is given.
TYPE_FOLDERS = {
    "article": "kb",
    "sop": "sops",
    "troubleshooting": "playbooks/troubleshooting",
    "playbook": "playbooks",
    "template": "playbooks/templates",
}
PRODUCT_SUBFOLDERS = frozenset({"article", "sop"})
# Least exposure that still makes sense for the type; the writer widens it deliberately.
DEFAULT_AUDIENCE = {
    "article": "public",
    "troubleshooting": "public",
    "template": "partner",
    "sop": "internal",
    "playbook": "internal",
}
DEFAULT_RISK = "medium"
_SECTION_SLOT = re.compile(r"\{\{\s*section:(\w+)\s*\}\}")


@dataclass(frozen=True)
class NewDocument:
    """What `kb new` created."""

    path: Path
    relpath: str
    id: str
    type: str
    locale: str
    owner: str
    audience: str


def template_text(doc_type: str, locale: str) -> str:
    """The body template of a type in a locale (package data under kbops/locales/<language>/templates/)."""
    source = locales.template_source(doc_type, locale)
    if source is None:
        log.info("no %s template for locale %s; using English", doc_type, locale)
        source = locales.template_source(doc_type, locales.FALLBACK_LANGUAGE)
    assert source is not None, f"kbops ships no English {doc_type} template"  # package data: one per DocType
    return source.read_text(encoding="utf-8")


def render_body(doc_type: str, title: str, locale: str) -> str:
    """Fill the template: the title as H1 and each `{{ section:Name }}` with the locale's heading."""
    names = locales.section_names(locale)
    text = template_text(doc_type, locale).replace("{{ title }}", title)
    return _SECTION_SLOT.sub(lambda m: names.get(m.group(1), m.group(1)), text)


def default_owner(governance: Governance, corpus: Corpus, doc_type: str, product: str | None) -> str:
    """The team that already owns most docs of this product (or type); else the first team declared."""
    if not governance.teams:
        raise UsageError("governance.yml declares no teams; pass --owner with a person key")
    for wanted in ((lambda fm: fm.product == product) if product else None, lambda fm: fm.type == doc_type):
        if wanted is None:
            continue
        counts = Counter(
            d.frontmatter.owner
            for d in corpus.docs
            if d.frontmatter and d.frontmatter.owner in governance.teams and wanted(d.frontmatter)
        )
        if counts:
            return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return next(iter(governance.teams))


def free_id(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`... whichever is not taken."""
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def new_document(
    settings: Settings,
    doc_type: str,
    title: str,
    locale: str | None = None,
    owner: str | None = None,
    audience: str | None = None,
    product: str | None = None,
    doc_id: str | None = None,
    today: dt.date | None = None,
    sample_queries: tuple[str, ...] = (),
) -> NewDocument:
    """Write a new draft document and return where it went. Refuses to overwrite anything."""
    types = [t.value for t in DocType]
    if doc_type not in types:
        raise UsageError(f"unknown type {doc_type!r}; expected one of {', '.join(types)}")
    locale = locale or settings.default_locale
    if locale not in settings.locales:
        raise UsageError(
            f"unknown locale {locale!r}; expected one of {', '.join(settings.locales)} ([tool.kbops] locales)"
        )
    title = " ".join(title.split())
    if len(title) < 3:
        raise UsageError("the title needs at least 3 characters")
    audience = require_audience(audience or DEFAULT_AUDIENCE[doc_type])
    governance = load_governance(settings.governance_path)
    taxonomy = load_taxonomy(settings.taxonomy_path)
    if product is not None and product not in taxonomy.products:
        raise UsageError(f"unknown product {product!r}; expected one of {', '.join(taxonomy.products)} (taxonomy.yml)")
    if owner is not None and not governance.is_owner(owner):
        raise UsageError(
            f"unknown owner {owner!r}; expected a team ({', '.join(governance.teams)}) or a person of governance.yml"
        )
    corpus = load_corpus(settings)
    owner = owner or default_owner(governance, corpus, doc_type, product)

    base = doc_id or slugify(re.sub(r"['’]", " ", title))
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", base or ""):
        raise UsageError(f"cannot make an id from {title!r}; pass --id with lowercase letters, digits and hyphens")
    base = base[:80].rstrip("-")
    folder = TYPE_FOLDERS[doc_type]
    if product and doc_type in PRODUCT_SUBFOLDERS:
        folder = f"{folder}/{product}"
    suffix = "" if locale == settings.default_locale else f".{locale}"
    relpath = f"{folder}/{base}{suffix}.md"
    path = settings.root / relpath
    taken = set(corpus.by_id)
    if base in taken or path.exists():
        holder = corpus.get(base)
        where = holder.relpath if holder is not None else relpath
        taken |= {p.name.split(".")[0] for p in path.parent.glob("*.md")} if path.parent.is_dir() else set()
        raise UsageError(
            f"id {base!r} is already used by {where}; nothing was written. Try --id {free_id(base, taken)}"
        )

    today = today or settings.today_date()
    interval = governance.review_interval_days(doc_type, DEFAULT_RISK)
    meta = {
        "id": base,
        "title": title,
        "description": _description(doc_type, locale),
        "type": doc_type,
        "status": "draft",
        "audience": audience,
        "owner": owner,
        **({"product": product} if product else {}),
        "locale": locale,
        "last_reviewed": today.isoformat(),
        "review_every": f"{interval}d",
        "risk": DEFAULT_RISK,
        "classification": "public" if audience == ANONYMOUS_AUDIENCE else "internal",
    }
    queries = [" ".join(q.split()) for q in sample_queries if q and q.strip()]
    text = front_matter_text(meta, sample_queries=queries) + "\n" + render_body(doc_type, title, locale)
    parsed = parse_document(relpath, text.encode("utf-8"), default_locale=settings.default_locale)
    if parsed.schema_problems or parsed.problems:  # a template bug, never a user mistake
        raise RuntimeError(f"kb new produced an invalid document: {parsed.schema_problems or parsed.problems}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
        handle.write(text)
    log.info("created %s", relpath)
    return NewDocument(path, relpath, base, doc_type, locale, owner, audience)


def _description(doc_type: str, locale: str) -> str:
    kinds = locales.new_doc_text(locale, "kinds") or {}
    return str(locales.new_doc_text(locale, "description")).format(kind=kinds.get(doc_type, doc_type))


_LIST_GUIDANCE = {
    "tags": "# Fill in from taxonomy.yml before publishing:\ntags: []\n",
    "intents": "intents: []\n",
    "sample_queries": "# What a reader would type to find this doc (3-6, in the doc's language):\nsample_queries: []\n",
}


def front_matter_text(
    meta: dict, lists: tuple[str, ...] = ("tags", "intents", "sample_queries"), sample_queries: list[str] | None = None
) -> str:
    """Front-matter in the repository's key order, then the lists a writer fills in next.

    `sample_queries` given (e.g. from a content gap of `kb deflection`) fill that list instead of the
    empty one, one query per line so that reviewers can strike any of them.
    """
    dumped = "".join(_yaml_line(key, value) for key, value in meta.items())
    # Dates stay unquoted so they read like every other doc; safe_dump quotes ISO strings.
    dumped = re.sub(r"^last_reviewed: '(\d{4}-\d{2}-\d{2})'$", r"last_reviewed: \1", dumped, flags=re.M)
    guidance = dict(_LIST_GUIDANCE)
    if sample_queries:
        items = "".join(
            "  - " + yaml.safe_dump(q, allow_unicode=True, width=1000).replace("\n...\n", "\n") for q in sample_queries
        )
        guidance["sample_queries"] = (
            "# From search logs (kb deflection); keep the ones this doc answers:\nsample_queries:\n" + items
        )
    return "---\n" + dumped + "".join(guidance[name] for name in lists) + "---\n"


def _yaml_line(key: str, value) -> str:
    """One front-matter key; lists in flow style (`tags: [a, b]`) like the rest of the repository."""
    if isinstance(value, list):
        flow = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1000).strip()
        return f"{key}: {flow}\n"
    return yaml.safe_dump({key: value}, allow_unicode=True, width=1000)
