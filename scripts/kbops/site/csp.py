"""The site's own inline scripts, as Content-Security-Policy hashes (`_kbops/csp.json` beside the pages).

Material for MkDocs puts a few small scripts inline (the storage helpers, palette, consent, the
analytics hook). A CSP of `script-src 'self'` alone would block them and break the site, and
`'unsafe-inline'` would let any injected `<script>` run. So the build lists the inline scripts of its
pages, keeps those whose text is one of the theme's templates (Material's and kbops' partials, with
only the template's `{{ … }}` values differing), and writes their SHA-256 hashes. Anything else inline
(a script that came from content) is not allowed, and is reported.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

MANIFEST = "_kbops/csp.json"
THEME_DIR = Path(__file__).parent / "theme"
_INLINE = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_DATA_TYPES = ("application/json", "application/ld+json", "text/template")
# What a template value may render to: a JSON string (`| tojson`) or a plain value that cannot close a
# string, end a statement or open a call, so a matching script does only what the template does.
_VALUE = r'(?:"(?:[^"\\<\n]|\\.)*"|[^"\'\\<;(){}\n]*)'


def _is_inline_code(attrs: str) -> bool:
    if re.search(r"\bsrc\s*=", attrs, re.IGNORECASE):
        return False
    kind = re.search(r"\btype\s*=\s*[\"']?([^\"'\s>]+)", attrs, re.IGNORECASE)
    return not (kind and kind.group(1).lower() in _DATA_TYPES)


def _template_dirs() -> list[Path]:
    dirs = [THEME_DIR]
    try:
        import material

        dirs.append(Path(material.__file__).parent / "templates")
    except ImportError:  # pragma: no cover - Material is a dependency
        pass
    return dirs


# Inline scripts that kbops writes from Python rather than from a template, in template form. None:
# the redirect pages of `redirect_from` load assets/kbops/redirect.js (kbops.site.pages._redirect_html),
# and doc ids resolve through the id map, so nothing kbops writes needs an inline allowance.
KBOPS_SCRIPTS: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def theme_script_patterns() -> tuple[re.Pattern, ...]:
    """One pattern per inline script of the theme templates: literal text, `{{ … }}` as a harmless value."""
    patterns = {_VALUE.join(re.escape(part) for part in _JINJA.split(script)) for script in KBOPS_SCRIPTS}
    for folder in _template_dirs():
        for template in folder.rglob("*.html"):
            for m in _INLINE.finditer(template.read_text(encoding="utf-8", errors="replace")):
                if not _is_inline_code(m.group("attrs")):
                    continue
                parts = _JINJA.split(m.group("body"))
                patterns.add(_VALUE.join(re.escape(part) for part in parts))
    return tuple(re.compile(p, re.DOTALL) for p in sorted(patterns))


def script_hash(body: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")


@dataclass
class InlineScripts:
    allowed: set[str] = field(default_factory=set)  # CSP hash sources of the theme's scripts
    foreign: list[tuple[str, str]] = field(default_factory=list)  # (page, hash) of inline scripts no template made


def scan(site_dir: Path, pages: Iterable[Path] | None = None) -> InlineScripts:
    """The inline scripts of the built pages, sorted into the theme's own and the others."""
    found = InlineScripts()
    patterns = theme_script_patterns()
    known: dict[str, bool] = {}
    for page in pages if pages is not None else site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8", errors="replace")
        if "<script" not in text:
            continue
        for m in _INLINE.finditer(text):
            if not _is_inline_code(m.group("attrs")) or not m.group("body").strip():
                continue
            body = m.group("body")
            digest = script_hash(body)
            if digest not in known:
                known[digest] = any(p.fullmatch(body) for p in patterns)
            if known[digest]:
                found.allowed.add(digest)
            else:
                found.foreign.append((page.relative_to(site_dir).as_posix(), digest))
    return found


def write_manifest(site_dir: Path, endpoints: Iterable[str] = ()) -> dict:
    """Write `_kbops/csp.json`: the theme's inline-script hashes and the origins scripts may send events to."""
    scripts = scan(site_dir)
    for page, digest in scripts.foreign:
        log.warning("%s: an inline script that is not the theme's (%s) will be blocked by the CSP", page, digest)
    origins = sorted(
        {f"{u.scheme}://{u.netloc}" for u in map(urlsplit, endpoints) if u.scheme in ("http", "https") and u.netloc}
    )
    manifest = {
        "script_hashes": sorted(scripts.allowed),
        "connect_origins": origins,
        "foreign_scripts": [{"page": p, "hash": h} for p, h in scripts.foreign],
    }
    target = site_dir / MANIFEST
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(site_dir: Path) -> dict:
    """The manifest of a built site; computed now (and not written) when the site predates it."""
    try:
        return json.loads((site_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        scripts = scan(site_dir)
        return {"script_hashes": sorted(scripts.allowed), "connect_origins": [], "foreign_scripts": []}
