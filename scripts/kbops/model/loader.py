"""Find and load the knowledge base: every Markdown file of the roots, read and parsed once."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import pydantic
import yaml

from kbops.config import Settings
from kbops.locale import DEFAULT_LOCALE
from kbops.model import files, safe_yaml
from kbops.model.document import Document, ParseProblem, SchemaProblem
from kbops.model.hashing import content_hash
from kbops.model.markdown import parse_structure
from kbops.model.schema import FrontMatter

log = logging.getLogger(__name__)

MAX_BYTES = 1_000_000  # larger files are refused (KB006): nobody reads a 1 MB help article
_KEY_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:", re.MULTILINE)


class _Handler(frontmatter.YAMLHandler):
    def load(self, fm: str, **kwargs):
        return safe_yaml.load(fm, dates_as_text=True)


_HANDLER = _Handler()


@dataclass
class Corpus:
    """Every document of the knowledge base, in path order, indexed by id."""

    settings: Settings
    docs: list[Document] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_id: dict[str, list[Document]] = {}
        self.by_path: dict[str, Document] = {}
        for doc in self.docs:
            self.by_path[doc.relpath] = doc
            if doc.id:
                self.by_id.setdefault(doc.id, []).append(doc)

    def get(self, doc_id: str) -> Document | None:
        found = self.by_id.get(doc_id)
        return found[0] if found else None

    def did_you_mean(self, key: str) -> str:
        """ " did you mean 'card-fees'?" for a mistyped id or path (closest of each), else ""."""
        import difflib

        pool = list(self.by_path) if "/" in key or key.endswith(".md") else list(self.by_id)
        close = difflib.get_close_matches(key, pool, n=3, cutoff=0.75)
        return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""

    def translations_of(self, doc_id: str) -> list[Document]:
        return [d for d in self.docs if d.get("translation_of") == doc_id]

    def refused(self) -> list[str]:
        """`path:line: CODE message` of every file that could not be read as a document (never published)."""
        return [line for doc in self.docs for line in refusals(doc)]


def refusals(doc: Document) -> list[str]:
    """Why `doc` cannot be published although it may have been meant to be: unreadable or unparsable
    files, and front-matter that claims `published`/`deprecated` but does not validate."""
    found = [f"{doc.relpath}:{p.line}: {p.code} {p.message}" for p in doc.problems]
    if not found and doc.schema_problems and doc.get("status") in ("published", "deprecated"):
        found += [f"{doc.relpath}:{p.line}: invalid front-matter: {p.message}" for p in doc.schema_problems]
    return found


def _walk(folder: str, root: str) -> Iterator[tuple[str, str]]:
    return files.walk(folder, root)


def markdown_files(settings: Settings, paths: Iterable[Path] | None = None) -> dict[str, str]:
    """relpath -> path of the Markdown files under the roots (or under `paths`), sorted by relpath.

    The one definition of which files make up the knowledge base (hidden folders are not part of it),
    shared by lint, the site, the index and the approval commands. `os.walk` without resolving each
    file: on 10k files this is ten times faster than Path.rglob + resolve.
    """
    root = str(settings.root)
    found: dict[str, str] = {}
    if paths is None:
        for name in settings.roots:
            found.update(_walk(os.path.join(root, name), root))
    else:
        for given in paths:
            target = Path(os.path.abspath(given))
            if target.is_dir() and not target.is_symlink():
                found.update(_walk(str(target.resolve()), root))
            elif os.path.lexists(target):  # files, and also links and FIFOs: reading them is refused with a reason
                target = _unresolved(target)
                found[relative(settings, target)] = str(target)
    return dict(sorted(found.items()))


def discover(settings: Settings, paths: Iterable[Path] | None = None) -> list[Path]:
    """Markdown files under the configured roots (or under the given paths), in relpath order."""
    return [Path(path) for path in markdown_files(settings, paths).values()]


def folder_of(relpath: str) -> str:
    return relpath.split("/", 1)[0]


def _unresolved(path: Path) -> Path:
    """`path` with its folders resolved but not its last component (a symlink stays a symlink)."""
    return Path(os.path.realpath(path.parent)) / path.name


def relative(settings: Settings, path: Path) -> str:
    try:
        rel = _unresolved(Path(os.path.abspath(path))).relative_to(settings.root).as_posix()
    except ValueError:
        rel = path.as_posix()
    return files.display_name(rel)


def load_document(settings: Settings, path: Path, data: bytes | None = None, *, structure: bool = True) -> Document:
    """Read and parse one file. Never raises for a user mistake: problems are recorded on the Document."""
    relpath = relative(settings, path)
    folder = folder_of(relpath)
    if data is None:
        try:
            data = read_file(settings, path)
        except files.Refused as refused:
            return _broken(relpath, folder, refused.code, 1, refused.message)
    return parse_document(relpath, data, structure=structure, default_locale=settings.default_locale)


def read_file(settings: Settings, path: Path | str) -> bytes:
    """The bytes of a knowledge-base file; files.Refused for FIFOs, links out of the KB, unreadable files."""
    return files.read_source(str(path), str(settings.root), MAX_BYTES)


def parse_document(
    relpath: str, data: bytes, *, structure: bool = True, default_locale: str = DEFAULT_LOCALE
) -> Document:
    """Parse one file. `structure=False` skips headings/links/blocks (the site build needs only meta and body)."""
    folder = folder_of(relpath)
    if len(data) > MAX_BYTES:
        return _broken(relpath, folder, "KB006", 1, f"file is {len(data):,} bytes; the limit is {MAX_BYTES:,}")
    if b"\x00" in data[:8192]:
        return _broken(relpath, folder, "KB005", 1, "binary file (NUL bytes) in a Markdown folder")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return _broken(
            relpath, folder, "KB003", line, f"invalid UTF-8 at byte {exc.start}: {data[exc.start : exc.start + 1]!r}"
        )
    if not text.strip():
        return _broken(relpath, folder, "KB004", 1, "empty file")
    text = text.replace("\r\n", "\n")
    if not _HANDLER.detect(text):
        return _broken(
            relpath, folder, "KB001", 1, "no YAML front-matter: the file must start with a '---' line", text=text
        )
    boundaries = list(_HANDLER.FM_BOUNDARY.finditer(text))
    if len(boundaries) < 2:
        return _broken(relpath, folder, "KB002", 1, "front-matter is not closed by a '---' line", text=text)
    opening, closing = boundaries[0], boundaries[1]
    fm_text = text[opening.end() : closing.start()]
    fm_line = text.count("\n", 0, opening.end()) + 1 + (1 if fm_text.startswith("\n") else 0)
    fm_text_stripped = fm_text[1:] if fm_text.startswith("\n") else fm_text
    try:
        meta = _HANDLER.load(fm_text_stripped)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: e.g. an integer of more than 4,300 digits
        mark_line, problem = safe_yaml.describe(exc, fm_text_stripped)
        line = fm_line + (mark_line or 0)
        return _broken(relpath, folder, "KB002", line, f"invalid YAML front-matter: {problem}", text=text)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return _broken(
            relpath,
            folder,
            "KB007",
            fm_line,
            f"front-matter must be a mapping of keys, got {type(meta).__name__}",
            text=text,
        )
    meta = {str(k): v for k, v in meta.items()}
    meta_lines = {
        m.group(1): fm_line + fm_text_stripped.count("\n", 0, m.start()) for m in _KEY_LINE.finditer(fm_text_stripped)
    }
    body_start = closing.end()
    if body_start < len(text) and text[body_start] == "\n":
        body_start += 1
    body = text[body_start:]
    body_line = text.count("\n", 0, body_start) + 1
    model, problems = validate_frontmatter(meta, meta_lines, default_locale)
    headings, links, blocks = parse_structure(body, body_line) if structure else ((), (), ())
    return Document(
        relpath=relpath,
        folder=folder,
        text=text,
        meta=meta,
        meta_lines=meta_lines,
        frontmatter=model,
        schema_problems=problems,
        body=body,
        body_line=body_line,
        headings=headings,
        links=links,
        blocks=blocks,
        content_hash=content_hash(meta, body),
        default_locale=default_locale,
    )


def validate_frontmatter(
    meta: dict, meta_lines: dict[str, int], default_locale: str = DEFAULT_LOCALE
) -> tuple[FrontMatter | None, tuple[SchemaProblem, ...]]:
    try:
        # A doc without `locale:` is in the configured default locale, not in a default of the schema.
        return FrontMatter.model_validate(meta if "locale" in meta else {**meta, "locale": default_locale}), ()
    except pydantic.ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            kind = {"missing": "missing", "extra_forbidden": "unknown"}.get(error["type"], "invalid")
            where = ".".join(str(p) for p in error["loc"])
            problems.append(
                SchemaProblem(name, kind, f"{where}: {error['msg']}", meta_lines.get(name, 1), error.get("input"))
            )
        return None, tuple(problems)


def _broken(relpath: str, folder: str, code: str, line: int, message: str, text: str = "") -> Document:
    return Document(relpath=relpath, folder=folder, text=text, problems=(ParseProblem(code, line, message),))


def load_corpus(
    settings: Settings,
    paths: Iterable[Path] | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    structure: bool = True,
) -> Corpus:
    """Load every document under the roots (or the given paths); `structure=False` skips Markdown parsing."""
    files = discover(settings, paths)
    docs = []
    for number, path in enumerate(files, 1):
        docs.append(load_document(settings, path, structure=structure))
        if progress:
            progress(number, len(files))
    return Corpus(settings, docs)
