"""Where each document lands in the staged docs tree and on the built site, and relative links between them."""
from __future__ import annotations

import posixpath
import re

from kbops.model.document import Document

DOCS_ROOT = "kb"  # the MkDocs docs_dir: its files sit at the top of the site; other roots keep their folder
# Translations are written side by side as `name.<locale>.md`; on the site each language gets its own tree.
_LOCALE_SUFFIX = re.compile(r"^(?P<stem>.+)\.(?P<locale>[a-z]{2})\.md$")


def staged_path(relpath: str) -> str:
    """Where a KB file lands in the staged docs tree.

    `kb/cards/x.md` -> `cards/x.md`; `sops/banking/y.md` stays; translations move under their locale:
    `kb/cards/x.es.md` -> `es/cards/x.md`, `kb/index.fr.md` -> `fr/index.md`, `sops/b/y.fr.md` -> `fr/sops/b/y.md`.
    """
    head, _, rest = relpath.partition("/")
    path = rest if head == DOCS_ROOT and rest else relpath
    match = _LOCALE_SUFFIX.match(path)
    if match and match.group("locale") != "en":
        return f"{match.group('locale')}/{match.group('stem')}.md"
    return path


def doc_staged_path(doc: Document) -> str:
    return staged_path(doc.relpath)


def page_url(path: str, use_directory_urls: bool = True) -> str:
    """The URL (relative to the site root) MkDocs gives the staged Markdown file `path`."""
    stem, _ = posixpath.splitext(path)
    name = posixpath.basename(stem)
    folder = posixpath.dirname(stem)
    if name in ("index", "README"):
        return f"{folder}/" if folder else ""
    if use_directory_urls:
        return f"{stem}/"
    return f"{stem}.html"


def output_file(path: str, use_directory_urls: bool = True) -> str:
    """The HTML file MkDocs writes for the staged Markdown file `path`."""
    url = page_url(path, use_directory_urls)
    return f"{url}index.html" if url.endswith("/") or not url else url


def relative_md(from_path: str, to_path: str) -> str:
    """A Markdown link from one staged page to another (MkDocs turns it into the right URL)."""
    return posixpath.relpath(to_path, posixpath.dirname(from_path) or ".")


def relative_url(from_file: str, to_url: str) -> str:
    """A URL from a written file (e.g. a redirect page) to a site URL, both relative to the site root."""
    start = posixpath.dirname(from_file) or "."
    target = to_url or "."
    rel = posixpath.relpath(target, start)
    if to_url.endswith("/") or not to_url:
        rel = rel.rstrip("/") + "/"
    return "./" if rel in ("./", "") else rel


def resolve_relative(source_relpath: str, target: str) -> str:
    """Resolve a relative link written in `source_relpath` to a path relative to the KB root."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_relpath), target))
