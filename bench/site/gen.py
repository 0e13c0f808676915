"""Synthetic knowledge base for the site benchmark: N valid, published docs across kb/, sops/, playbooks/."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRODUCTS = ["cards", "payments", "top-ups", "transfers", "invoices", "reimbursements", "accounting", "account"]
TAGS = ["declined", "security", "fees", "escalation", "compliance", "quality", "incident"]
OWNERS = ["support-ops", "cards-support", "banking-ops", "compliance", "bpo-quality"]
WORDS = (
    "card payment declined merchant limit balance transfer invoice receipt refund account verify identity "
    "agent customer escalate queue review policy fee currency statement export accounting team approve "
    "tarjeta pago rechazada saldo transferencia factura cuenta carte paiement refusé solde virement facture"
).split()
FOLDERS = [("kb", "article", 0.6), ("sops", "sop", 0.25), ("playbooks", "troubleshooting", 0.15)]


def _paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def make_corpus(dest: Path, pages: int, seed: int = 7) -> Path:
    """Write `pages` docs (about 350 words each) plus governance.yml, taxonomy.yml and pyproject.toml."""
    rng = random.Random(seed)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in ("governance.yml", "taxonomy.yml"):
        shutil.copy2(REPO / name, dest / name)
    (dest / "pyproject.toml").write_text('[tool.kbops]\nroots = ["kb", "sops", "playbooks"]\n', encoding="utf-8")
    previous: dict[tuple[str, str], str] = {}  # (folder, product) -> last file name, for valid relative links
    for number in range(pages):
        folder, doc_type, _ = rng.choices(FOLDERS, weights=[f[2] for f in FOLDERS])[0]
        product = PRODUCTS[number % len(PRODUCTS)]
        locale = rng.choices(["en", "es", "fr"], weights=[7, 2, 1])[0]
        audience = {"kb": "public", "sops": "partner", "playbooks": "internal"}[folder]
        doc_id = f"{doc_type}-{product}-{number:05d}"
        last = f"202{rng.choice([4, 5, 6])}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        front = "\n".join(
            [
                "---",
                f"id: {doc_id}",
                f"title: {doc_type.title()} {product} {number}",
                f"description: Synthetic {doc_type} number {number} about {product} for the site benchmark.",
                f"type: {doc_type}",
                "status: published",
                f"audience: {audience}",
                f"owner: {rng.choice(OWNERS)}",
                f"product: {product}",
                f"tags: [{rng.choice(TAGS)}]",
                f"locale: {locale}",
                f"last_reviewed: {last}",
                "review_every: 1y",
                "classification: internal",
                "---",
            ]
        )
        sections = []
        for heading in range(4):
            sections.append(
                f"## Step {heading + 1}\n\n{_paragraph(rng, 40)}\n\n- {_paragraph(rng, 10)}\n- {_paragraph(rng, 10)}\n"
            )
        sibling = previous.get((folder, product))
        link = f"See also [the previous one]({sibling})." if sibling else ""
        previous[(folder, product)] = f"{doc_id}.md"
        body = f"# {doc_type.title()} {product} {number}\n\n{_paragraph(rng, 30)} {link}\n\n" + "\n".join(sections)
        path = dest / folder / product / f"{doc_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(front + "\n" + body, encoding="utf-8")
    (dest / "kb" / "index.md").write_text(
        "---\nid: home\ntitle: Benchmark help center\ndescription: Home page of the synthetic benchmark corpus.\n"
        "type: article\nstatus: published\naudience: public\nowner: support-ops\nlocale: en\n"
        "last_reviewed: 2026-01-01\nclassification: public\n---\n# Benchmark help center\n\nWelcome.\n",
        encoding="utf-8",
    )
    return dest


def make_real_corpus(dest: Path, per_locale: int, data: Path | None = None) -> Path:
    """Real help-center articles (search-dev: Business Central docs in en/es/fr, CC-BY-4.0) in kbops format.

    `per_locale` articles of each language (0: all), spread over the products like the synthetic corpus.
    The articles keep their authors' Markdown: tables, notes, images and links (some point to pages
    outside the set: both builds are non-strict and see the same ones).
    """
    import json

    import yaml

    data = data or _search_dev()
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in ("governance.yml", "taxonomy.yml"):
        shutil.copy2(REPO / name, dest / name)
    (dest / "pyproject.toml").write_text('[tool.kbops]\nroots = ["kb", "sops", "playbooks"]\n', encoding="utf-8")
    number = 0
    for locale in ("en", "es", "fr"):
        lines = (data / f"docs.{locale}.jsonl").read_text(encoding="utf-8").splitlines()
        for line in lines[: per_locale or None]:
            article = json.loads(line)
            product = PRODUCTS[number % len(PRODUCTS)]
            meta = {
                "id": article["id"],
                "title": article["title"],
                "description": f"Business Central article {number} ({locale}), real text for the site benchmark.",
                "type": "article",
                "status": "published",
                "audience": "public",
                "owner": OWNERS[number % len(OWNERS)],
                "product": product,
                "locale": locale,
                "last_reviewed": "2026-06-01",
                "review_every": "1y",
                "classification": "public",
            }
            front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
            # es/fr under kb/<locale>/, where the site puts them: the vanilla build gets the same paths and nav
            folder = dest / "kb" / (product if locale == "en" else f"{locale}/{product}")
            path = folder / f"{article['id']}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"---\n{front}---\n# {article['title']}\n\n{article['body']}\n", encoding="utf-8")
            number += 1
    for empty in ("sops", "playbooks"):
        (dest / empty).mkdir()
    (dest / "kb" / "index.md").write_text(
        "---\nid: home\ntitle: Benchmark help center\ndescription: Home page of the real-article benchmark corpus.\n"
        "type: article\nstatus: published\naudience: public\nowner: support-ops\nlocale: en\n"
        "last_reviewed: 2026-01-01\nclassification: public\n---\n# Benchmark help center\n\nWelcome.\n",
        encoding="utf-8",
    )
    return dest


def _search_dev() -> Path:
    for base in (REPO.parent, REPO.parent.parent, REPO.parent.parent.parent):
        found = base / "shared" / "data" / "search-dev"
        if (found / "docs.en.jsonl").is_file():
            return found
    raise SystemExit("search-dev not found: put the shared data sets beside the repository (../shared/data)")
