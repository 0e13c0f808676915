"""KB0xx: files that cannot be read as documents (like flake8's E999): a diagnostic, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator

from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.model.document import Document


def _problems(doc: Document, code: str) -> Iterator[Finding]:
    for problem in doc.problems:
        if problem.code == code:
            yield Finding(problem.line, problem.message)


@rule("KB001", "missing-front-matter")
def missing_front_matter(doc: Document, ctx: LintContext):
    """The file has no YAML front-matter block.

    What it checks:
        Every Markdown file under kb/, sops/ and playbooks/ starts with a `---` line opening a YAML block.

    Why it matters:
        Without front-matter a page has no owner, audience or status: it cannot be governed, and the
        publisher cannot tell whether customers may see it, so it is never published.

    Bad:
        # Card declined
        Check the merchant category...

    Good:
        ---
        id: card-declined
        title: Card declined
        ...
        ---
        # Card declined

    How to fix:
        Run `kb new TYPE --title "..."` to get a valid skeleton, or copy the front-matter of a sibling doc.
    """
    return _problems(doc, "KB001")


@rule("KB002", "invalid-yaml")
def invalid_yaml(doc: Document, ctx: LintContext):
    """The front-matter is not valid YAML, is not closed, repeats a key or exceeds the parser's limits.

    What it checks:
        The block between the opening and closing `---` lines parses as YAML; no key is written twice in
        one mapping (reported at the second one); aliases do not refer to themselves, nesting stays under
        32 levels and aliases expand to at most 20,000 values.

    Why it matters:
        One stray colon or tab hides every governance field of the doc; the linter then cannot check
        anything else in it. With a repeated key the last one wins: `audience: internal` followed lower
        down by `audience: public` publishes staff content while a reviewer reads the first line. A 1 KB
        "billion laughs" front-matter expands to gigabytes and stalls every build.

    Bad:
        title: Card declined: what to do
        tags: [cards

    Good:
        title: "Card declined: what to do"
        tags: [cards]

    How to fix:
        Quote values that contain `: ` or start with special characters, close brackets, use spaces not tabs.
    """
    return _problems(doc, "KB002")


@rule("KB003", "invalid-utf8")
def invalid_utf8(doc: Document, ctx: LintContext):
    """The file is not valid UTF-8, or a file or folder cannot be read.

    What it checks:
        Every byte sequence decodes as UTF-8; every file and folder under the content roots can be read
        (a folder without read permission is an error, never silently skipped).

    Why it matters:
        Files saved in Latin-1 or Windows-1252 (common when pasting from old help desks) show mangled
        accents to Spanish and French readers and break search. An unreadable folder would otherwise
        make `kb lint` report "0 errors" for documents it never checked.

    Bad:
        Contrase\\xf1a (Latin-1 byte for ñ)

    Good:
        Contraseña (UTF-8)

    How to fix:
        Re-save the file as UTF-8, e.g. `iconv -f latin1 -t utf-8 in.md > out.md`.
    """
    return _problems(doc, "KB003")


@rule("KB004", "empty-file")
def empty_file(doc: Document, ctx: LintContext):
    """The file is empty or only whitespace.

    What it checks:
        A Markdown file has content.

    Why it matters:
        Empty files are usually abandoned drafts; they clutter the repo and confuse writers.

    Bad:
        (a zero-byte file)

    Good:
        A document with front-matter and a body.

    How to fix:
        Delete the file, or scaffold it with `kb new`.
    """
    return _problems(doc, "KB004")


@rule("KB005", "binary-file")
def binary_file(doc: Document, ctx: LintContext):
    """A binary file carries a `.md` name.

    What it checks:
        Markdown files contain no NUL bytes.

    Why it matters:
        A PDF or image renamed to .md breaks the site build and the search index.

    Bad:
        kb/refund-policy.md that is really a PDF

    Good:
        The content as Markdown, with attachments under an assets folder.

    How to fix:
        Convert the document to Markdown, or move the binary out of the content roots.
    """
    return _problems(doc, "KB005")


@rule("KB006", "file-too-large")
def file_too_large(doc: Document, ctx: LintContext):
    """The file is larger than 1 MB.

    What it checks:
        A document is at most 1,000,000 bytes.

    Why it matters:
        Nobody reads a megabyte of help text mid-call; huge files are usually pasted logs or exports
        that slow every build and bloat the search index.

    Bad:
        A 5 MB troubleshooting guide with an embedded log dump.

    Good:
        A focused guide that links to the log analysis tool.

    How to fix:
        Split the document, or move data out of the knowledge base.
    """
    return _problems(doc, "KB006")


@rule("KB007", "front-matter-not-mapping")
def front_matter_not_mapping(doc: Document, ctx: LintContext):
    """The front-matter is YAML but not a mapping of keys.

    What it checks:
        The front-matter block is a set of `key: value` pairs.

    Why it matters:
        A list or a bare string carries no governance fields.

    Bad:
        ---
        - card-declined
        ---

    Good:
        ---
        id: card-declined
        ---

    How to fix:
        Write one `key: value` per line.
    """
    return _problems(doc, "KB007")


@rule("KB010", "unsafe-path")
def unsafe_path(doc: Document, ctx: LintContext):
    """A path in a content folder that is not read: a special file, a symlink out of the KB, a bad name.

    What it checks:
        Every `.md` path under kb/, sops/ and playbooks/ is a regular file, or a symlink to one inside the
        knowledge base, with a UTF-8 name. Named pipes (FIFOs), sockets, devices, symlink loops, broken
        symlinks, symlinks that leave the knowledge base and symlinked folders are reported and never
        followed or read.

    Why it matters:
        Content arrives through pull requests. A symlink `kb/help.md -> /etc/passwd` would publish a
        system file to customers; a FIFO named `x.md` blocks every reader forever (a stalled CI job); a
        file name that is not UTF-8 cannot become a URL. Skipping them silently would hide the problem.

    Bad:
        kb/cards/help.md -> /etc/passwd

    Good:
        kb/cards/help.md (a regular file with front-matter)

    How to fix:
        Replace the link or special file by a regular Markdown file inside the knowledge base; rename files
        to UTF-8 names.
    """
    return _problems(doc, "KB010")
