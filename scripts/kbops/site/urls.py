"""Where each document lands on the site: the one owner of page paths and URLs.

The site, search hits, export chunks and the event script's id map all ask a `SiteLayout`, built from
mkdocs.yml (`docs_dir`, `use_directory_urls`) and `[tool.kbops]` (content roots, default locale), so a
URL handed to a reader always resolves to the page `kb build` wrote.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kbops.locale import suffix_locale

if TYPE_CHECKING:
    from kbops.config import Settings

CONFIG_FILE = "mkdocs.yml"
# Translations are written side by side as `name.<locale>.md` (kbops.locale.suffix_locale); on the site each
# language gets its own tree.


@dataclass(frozen=True)
class SiteLayout:
    """How the staged docs tree and the built site are laid out.

    The MkDocs `docs_dir` root sits at the top of the site; every other content root is mounted under its
    own folder (`sops/`, `playbooks/`). Docs of the default locale stay where they are; a translation
    `name.<locale>.md` moves under `<locale>/`.
    """

    default_locale: str
    docs_root: str = "kb"
    roots: tuple[str, ...] = ("kb", "sops", "playbooks")
    use_directory_urls: bool = True

    def mount_of(self, root: str) -> str:
        """The site folder a content root is mounted at ("" for the docs_dir root)."""
        return "" if root == self.docs_root else f"{root}/"

    def staged_path(self, relpath: str) -> str:
        """Where a KB file lands in the staged docs tree.

        `kb/cards/x.md` -> `cards/x.md`; `sops/banking/y.md` stays; translations move under their locale:
        `kb/cards/x.es.md` -> `es/cards/x.md`, `kb/index.fr.md` -> `fr/index.md`, `sops/b/y.fr.md` -> `fr/sops/b/y.md`.
        """
        head, _, rest = relpath.partition("/")
        path = self.mount_of(head) + rest if head in self.roots and rest else relpath
        stem, locale = suffix_locale(path)
        if locale and locale != self.default_locale:
            return f"{locale}/{stem}.md"
        return path

    def page_url(self, staged: str) -> str:
        """The URL (relative to the site root) MkDocs gives the staged Markdown file `staged`."""
        return page_url(staged, self.use_directory_urls)

    def output_file(self, staged: str) -> str:
        """The HTML file MkDocs writes for the staged Markdown file `staged`."""
        return output_file(staged, self.use_directory_urls)

    def doc_url(self, relpath: str, anchor: str = "") -> str:
        """Root-relative URL of the page of the KB file `relpath` (and of a heading on it)."""
        return "/" + self.page_url(self.staged_path(relpath)) + (f"#{anchor}" if anchor else "")

    def fingerprint(self) -> str:
        """Changes whenever any URL would: stored URLs (the search index) are rebuilt then."""
        return f"{self.default_locale}|{self.docs_root}|{','.join(self.roots)}|{int(self.use_directory_urls)}"


def site_layout(settings: Settings, use_directory_urls: bool | None = None) -> SiteLayout:
    """The layout of this KB's site: mkdocs.yml's `docs_dir` and `use_directory_urls` (unless given) and
    [tool.kbops] `roots` and `default_locale`."""
    options = _mkdocs_options(settings.root / CONFIG_FILE)
    docs_dir = str(options.get("docs_dir") or "kb").strip("/")
    directory_urls = options.get("use_directory_urls", True) if use_directory_urls is None else use_directory_urls
    return SiteLayout(
        default_locale=settings.default_locale,
        docs_root=docs_dir if docs_dir in settings.roots else settings.roots[0],
        roots=tuple(settings.roots),
        use_directory_urls=bool(directory_urls),
    )


def _mkdocs_options(path: Path) -> dict:
    """The few top-level keys of mkdocs.yml the layout needs; MkDocs' own tags (`!ENV`, `!relative`) are ignored."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    _Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}  # no or unreadable mkdocs.yml: MkDocs' defaults (`kb build` reports the real problem)
    return data if isinstance(data, dict) else {}


def page_url(path: str, use_directory_urls: bool = True) -> str:
    """The URL (relative to the site root) MkDocs gives the staged Markdown file `path`.

    With `use_directory_urls: false` an index page is `folder/index.html` (what MkDocs links to, and what
    works from a file system or a server that does not resolve folders), else `folder/`.
    """
    stem, _ = posixpath.splitext(path)
    name = posixpath.basename(stem)
    folder = posixpath.dirname(stem)
    if name in ("index", "README"):
        if use_directory_urls:
            return f"{folder}/" if folder else ""
        return f"{folder}/index.html" if folder else "index.html"
    if use_directory_urls:
        return f"{stem}/"
    return f"{stem}.html"


def output_file(path: str, use_directory_urls: bool = True) -> str:
    """The HTML file MkDocs writes for the staged Markdown file `path`."""
    url = page_url(path, use_directory_urls)
    return f"{url}index.html" if url.endswith("/") or not url else url


def page_key(url: str) -> str:
    """A page URL as the event script looks it up (`folder/index.html` and `folder/` are the same page)."""
    return url[: -len("index.html")] if url == "index.html" or url.endswith("/index.html") else url


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
