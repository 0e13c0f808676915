"""Which files make up the knowledge base, and reading them without leaving it, blocking or guessing.

A content root is written by many people through pull requests: a `.md` name can be a FIFO (reading
it blocks forever), a symlink to `/etc/passwd` (reading it would publish a system file), a symlink
loop, an unreadable file or folder, or a name that is not UTF-8. Each is a diagnostic here, never
followed, never read, never silently skipped.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator

UNSAFE_CODE = "KB010"  # special files, symlinks out of the KB, loops, non-UTF-8 names
UNREADABLE_CODE = "KB003"  # permissions and I/O errors
TOO_LARGE_CODE = "KB006"
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class Refused(Exception):
    """A path that is not read: `code` is the lint rule that reports it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def display_name(path: str) -> str:
    """A path as text that can always be printed: bytes that are not UTF-8 are shown as \\xNN."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _inside(real: str, root: str) -> bool:
    root = os.path.realpath(root)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _follow(path: str, root: str | None) -> str:
    """The target of the symlink `path`, if it is a file inside the KB; Refused otherwise."""
    link = display_name(os.readlink(path))
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refused(UNSAFE_CODE, f"symlink loop (-> {link}): not followed") from None
        raise Refused(UNSAFE_CODE, f"broken symlink (-> {link}): not followed") from None
    if root is not None and not _inside(real, root):
        raise Refused(UNSAFE_CODE, f"symlink to {link} leaves the knowledge base: not followed, not read")
    if os.path.isdir(real):
        raise Refused(UNSAFE_CODE, f"symlinked folder (-> {link}): not followed, its files are not checked")
    return real


def read_source(path: str, root: str | None, limit: int) -> bytes:
    """The bytes of one knowledge-base file, or Refused (never blocks, never leaves `root`)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(UNSAFE_CODE, "name is not valid UTF-8: rename it (URLs and search need text names)") from None
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        fd = _open_special(path, root, exc)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            if stat.S_ISDIR(st.st_mode):
                _check_folder(path)
            raise Refused(UNSAFE_CODE, f"{_kind(st.st_mode)}, not a regular file: not read")
        if st.st_size > limit:
            raise Refused(TOO_LARGE_CODE, f"file is {st.st_size:,} bytes; the limit is {limit:,}")
        chunks = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise Refused(UNREADABLE_CODE, f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # grew while we read it
        raise Refused(TOO_LARGE_CODE, f"file is over {limit:,} bytes; the limit is {limit:,}")
    return data


def _open_special(path: str, root: str | None, error: OSError) -> int:
    """`os.open` failed: a symlink (O_NOFOLLOW), a socket, a permission problem... say which."""
    try:
        st = os.lstat(path)
    except OSError:
        raise Refused(UNREADABLE_CODE, f"cannot read file: {error.strerror or error}") from None
    if stat.S_ISLNK(st.st_mode):
        target = _follow(path, root)
        try:
            return os.open(target, _OPEN_FLAGS)
        except OSError as exc:
            raise Refused(UNREADABLE_CODE, f"cannot read file: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        _check_folder(path)
    if not stat.S_ISREG(st.st_mode):
        raise Refused(UNSAFE_CODE, f"{_kind(st.st_mode)}, not a regular file: not read")
    raise Refused(UNREADABLE_CODE, f"cannot read file: {error.strerror or error}")


def _check_folder(path: str) -> None:
    """A folder listed as a problem by `walk`: say why."""
    try:
        os.listdir(path)
    except OSError as exc:
        raise Refused(
            UNREADABLE_CODE, f"cannot read folder: {exc.strerror or exc}; its documents are not checked"
        ) from None
    raise Refused(UNSAFE_CODE, "a folder, not a Markdown file")


def walk(folder: str, root: str) -> Iterator[tuple[str, str]]:
    """(relpath, path) of the Markdown files under `folder`, plus every path that needs a diagnostic.

    Hidden folders are not part of the knowledge base. Symlinked folders are never descended into
    (they are listed, so the reader is told); unreadable folders and non-UTF-8 names are listed too.
    `os.scandir` gives file types without a stat per file: 10k files take milliseconds.
    """
    prefix = root.rstrip(os.sep) + os.sep

    def rel(path: str) -> str:
        inside = path.startswith(prefix)
        return display_name(path[len(prefix) :] if inside else path).replace(os.sep, "/")

    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except FileNotFoundError:
            continue  # a configured root that does not exist: nothing to check
        except OSError:
            yield rel(current), current
            continue
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_link = not is_dir and entry.is_symlink()
            except OSError:
                is_dir = is_link = False
            if is_dir:
                if name.startswith("."):
                    continue
                if display_name(name) != name:
                    yield rel(entry.path), entry.path
                else:
                    pending.append(entry.path)
            elif name.endswith(".md"):
                yield rel(entry.path), entry.path
            elif is_link and not name.startswith("."):
                try:
                    points_to_folder = entry.is_dir()
                except OSError:
                    points_to_folder = False
                if points_to_folder:
                    yield rel(entry.path), entry.path
