"""Build a realistic Zendesk Guide export (the JSON the Help Center API returns, attachments as files) from the
search-dev articles (Microsoft Dynamics 365 Business Central documentation, © Microsoft, CC-BY-4.0; see
../shared/data/search-dev/README.md and LICENSE).

Articles in en with their es and fr versions as translations; categories and sections from the article
families; labels; user segments (staff, signed-in, an organisation); drafts; outdated translations; inline
images; links between articles written as Zendesk URLs; a few bodies with what a real help center also
holds (a script tag, an inline handler, an e-mail address).

    python bench/import/make_export.py OUT --articles 30            # the test fixture size
    python bench/import/make_export.py OUT --articles 5000          # the benchmark (articles are reused)
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import struct
import sys
import zlib
from pathlib import Path

from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parents[2]
SUBDOMAIN = "acme"
HOST = f"https://{SUBDOMAIN}.zendesk.com"
LOCALES = {"en": "en-us", "es": "es", "fr": "fr"}
SEGMENTS = [
    {
        "id": 9001,
        "name": "Agents and admins",
        "user_type": "staff",
        "built_in": True,
        "tags": [],
        "or_tags": [],
        "group_ids": [],
        "organization_ids": [],
    },
    {
        "id": 9002,
        "name": "Signed-in users",
        "user_type": "signed_in_users",
        "built_in": True,
        "tags": [],
        "or_tags": [],
        "group_ids": [],
        "organization_ids": [],
    },
    {
        "id": 9003,
        "name": "Partner organisation",
        "user_type": "signed_in_users",
        "built_in": False,
        "tags": [],
        "or_tags": [],
        "group_ids": [],
        "organization_ids": [4401],
    },
]
CATEGORY_SEGMENT = {"admin": 9001, "service": 9002}  # everything else is public (no segment)
AUTHORS = [7001, 7002, 7003]  # the mapping file of the test fixture knows 7001 and 7002


def data_dir() -> Path:
    for base in (REPO.parent, REPO.parent.parent):
        folder = base / "shared" / "data" / "search-dev"
        if folder.is_dir():
            return folder
    sys.exit("search-dev not found beside the repository (../shared/data/search-dev)")


def load(locale: str) -> dict[str, dict]:
    docs = {}
    for line in (data_dir() / f"docs.{locale}.jsonl").open(encoding="utf-8"):
        doc = json.loads(line)
        docs[doc["id"].split("-", 2)[2]] = doc
    return docs


def png(seed: int) -> bytes:
    """A small real PNG (8x8, one colour per seed)."""
    rgb = bytes([(seed * 53) % 256, (seed * 97) % 256, (seed * 191) % 256])
    raw = b"".join(b"\x00" + rgb * 8 for _ in range(8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def plain(title: str) -> str:
    """Titles are plain text in Zendesk (the source's Markdown escapes removed)."""
    return re.sub(r"\\([_*\[\]])", r"\1", title)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60]


_CALLOUT = re.compile(r"(?m)^> \[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*\n((?:>.*\n?)*)")


def to_html(md: MarkdownIt, body: str, link) -> str:
    def callout(match: re.Match) -> str:
        inner = re.sub(r"(?m)^> ?", "", match.group(2))
        return f'\n<div class="callout callout--{match.group(1).lower()}">{md.render(inner).strip()}</div>\n\n'

    body = re.sub(r"(?m)^(\s*(?:\d+\.|-)\s+)\],\s*", r"\1Choose the search icon, ", body)  # a stripped [!INCLUDE]
    body = re.sub(r"\]\(([^)\s]+)(\s+\"[^\"]*\")?\)", lambda m: f"]({link(m.group(1))}{m.group(2) or ''})", body)
    return md.render(_CALLOUT.sub(callout, body))


def build(out: Path, articles: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    en, es, fr = load("en"), load("es"), load("fr")
    keys = sorted(k for k in en if k in es and k in fr)
    if articles <= 60:  # the fixture: short articles, so the committed files stay small
        keys = sorted(keys, key=lambda k: len(en[k]["body"]))[:400]
    rng.shuffle(keys)
    picked = [(keys[i % len(keys)], i // len(keys)) for i in range(articles)]
    if out.exists():
        shutil.rmtree(out)
    (out / "attachments").mkdir(parents=True)
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    families = sorted({k.split("-")[0] for k, _ in picked})
    categories, sections, section_of = [], [], {}
    for n, family in enumerate(families):
        cid = 1000 + n
        categories.append(
            {
                "id": cid,
                "name": family.replace("fa", "Fixed assets").capitalize(),
                "description": "",
                "locale": "en-us",
                "source_locale": "en-us",
                "position": n,
                "html_url": f"{HOST}/hc/en-us/categories/{cid}-{slug(family)}",
                "updated_at": "2026-10-01T09:00:00Z",
            }
        )
        for m, name in enumerate(("Getting started", "How-to guides")):
            sid = 2000 + n * 10 + m
            sections.append(
                {
                    "id": sid,
                    "category_id": cid,
                    "name": name,
                    "description": "",
                    "locale": "en-us",
                    "source_locale": "en-us",
                    "parent_section_id": None,
                    "position": m,
                    "html_url": f"{HOST}/hc/en-us/sections/{sid}-{slug(name)}",
                    "updated_at": "2026-10-01T09:00:00Z",
                }
            )
            section_of[(family, m)] = sid
    zid = {i: 360000100000 + i * 7 for i in range(len(picked))}
    by_key = {}
    for i, (key, _copy) in enumerate(picked):
        by_key.setdefault(key, i)
    out_articles, translations, attachments = [], [], []
    for i, (key, copy) in enumerate(picked):
        family = key.split("-")[0]
        title = plain(en[key]["title"]) + (f" ({copy + 1})" if copy else "")
        aid = zid[i]
        segment = CATEGORY_SEGMENT.get(family)
        if segment is None and i % 17 == 5:
            segment = 9003  # one organisation's article among public ones
        images = []
        if i % 3 == 0:  # an inline image (uploaded to the article)
            att = 500000 + i
            name = f"screen-{i}.png"
            (out / "attachments" / str(att)).mkdir()
            (out / "attachments" / str(att) / name).write_bytes(png(i))
            attachments.append(
                {
                    "id": att,
                    "article_id": aid,
                    "file_name": name,
                    "content_type": "image/png",
                    "inline": True,
                    "size": len(png(i)),
                    "locale": "en-us",
                    "content_url": f"{HOST}/hc/article_attachments/{att}/{name}",
                    "relative_path": f"/hc/article_attachments/{att}/{name}",
                }
            )
            images.append((att, name))

        def link_for(locale: str):
            def link(target: str) -> str:
                path, _, anchor = target.partition("#")
                stem = path.rsplit("/", 1)[-1].removesuffix(".md")
                if path.endswith(".md") and stem in by_key:
                    other = by_key[stem]
                    return f"{HOST}/hc/{LOCALES[locale]}/articles/{zid[other]}-{slug(en[stem]['title'])}" + (
                        f"#{anchor}" if anchor else ""
                    )
                if path.startswith("/"):
                    return f"https://learn.microsoft.com/{LOCALES[locale]}{path}"
                if path.endswith(".md"):
                    return f"https://learn.microsoft.com/{LOCALES[locale]}/dynamics365/business-central/{path[:-3]}"
                if path.endswith((".png", ".gif", ".jpg", ".svg")):
                    return f"https://learn.microsoft.com/{LOCALES[locale]}/dynamics365/business-central/{path}"
                return target

            return link

        def body(locale: str, source: dict) -> str:
            html = to_html(md, source["body"], link_for(locale))
            for att, name in images:
                html = (f'<p><img src="{HOST}/hc/article_attachments/{att}/{name}" alt="Screenshot"></p>\n') + html
            if i % 4 == 1:  # a "related article" link, as help-center editors add them
                other = (i + 1) % len(picked)
                html += (
                    f'<p>Related: <a href="{HOST}/hc/{LOCALES[locale]}/articles/{zid[other]}-'
                    f'{slug(en[picked[other][0]]["title"])}">{en[picked[other][0]]["title"]}</a></p>\n'
                )
            if i % 23 == 11:  # what real help centers also hold: an embedded script, an inline handler
                html += '<p onclick="track()">Was this useful?</p><script>track()</script>\n'
            return html

        labels = sorted({family, key.split("-")[1] if "-" in key else family} | ({"popular"} if i % 5 == 0 else set()))
        article = {
            "id": aid,
            "url": f"{HOST}/api/v2/help_center/en-us/articles/{aid}.json",
            "html_url": f"{HOST}/hc/en-us/articles/{aid}-{slug(title)}",
            "title": title,
            "body": body("en", en[key]),
            "locale": "en-us",
            "source_locale": "en-us",
            "section_id": section_of[(family, i % 2)],
            "author_id": AUTHORS[i % 3],
            "permission_group_id": 3301,
            "draft": i % 29 == 13,
            "promoted": i % 11 == 0,
            "position": 0,
            "label_names": labels,
            "user_segment_id": segment,
            "user_segment_ids": [segment] if segment else [],
            "outdated": False,
            "vote_sum": (i * 7) % 23 - 4,
            "vote_count": (i * 7) % 23 + 2,
            "comments_disabled": True,
            "created_at": "2025-03-01T10:00:00Z",
            "updated_at": f"2026-{9 + i % 3:02d}-{1 + i % 27:02d}T12:00:00Z",
            "edited_at": f"2026-{9 + i % 3:02d}-{1 + i % 27:02d}T12:00:00Z",
        }
        out_articles.append(article)
        for n, (loc, source) in enumerate((("es", es[key]), ("fr", fr[key]))):
            if (i + n) % 13 == 4:
                continue  # not every article is translated
            ttitle = plain(source["title"]) + (f" ({copy + 1})" if copy else "")
            translations.append(
                {
                    "id": 800000 + i * 2 + n,
                    "source_id": aid,
                    "source_type": "Article",
                    "locale": LOCALES[loc],
                    "title": ttitle,
                    "body": body(loc, source),
                    "draft": False,
                    "outdated": (i + n) % 19 == 7,
                    "html_url": f"{HOST}/hc/{LOCALES[loc]}/articles/{aid}-{slug(ttitle)}",
                    "created_at": "2025-03-02T10:00:00Z",
                    "updated_at": article["updated_at"],
                    "updated_by_id": AUTHORS[i % 3],
                }
            )
    labels = sorted({name for a in out_articles for name in a["label_names"]})
    files = {
        "categories.json": {"categories": categories},
        "sections.json": {"sections": sections},
        "articles.json": {"articles": out_articles},
        "translations.json": {"translations": translations},
        "user_segments.json": {"user_segments": SEGMENTS},
        "labels.json": {"labels": [{"id": 6000 + n, "name": name} for n, name in enumerate(labels)]},
        "attachments.json": {"article_attachments": attachments},
        "permission_groups.json": {"permission_groups": [{"id": 3301, "name": "Managers", "built_in": True}]},
    }
    for name, data in files.items():
        (out / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / "SOURCE.md").write_text(
        "Generated by bench/import/make_export.py from the search-dev articles: Microsoft Dynamics 365 Business\n"
        "Central documentation (MicrosoftDocs/dynamics365smb-docs and its es/fr localisations), © Microsoft,\n"
        "licensed CC-BY-4.0 (https://creativecommons.org/licenses/by/4.0/). Bodies converted to HTML, links\n"
        "rewritten as Zendesk URLs, images, segments, labels and vote counts synthetic.\n",
        encoding="utf-8",
    )
    return {"articles": len(out_articles), "translations": len(translations), "attachments": len(attachments)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(build(args.out, args.articles, args.seed)))


if __name__ == "__main__":
    main()
