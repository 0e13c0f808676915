"""Bounded YAML loading: alias expansion, nesting and size limits, and duplicate keys as errors.

PyYAML's safe loader shares aliased nodes, so a 1 KB "billion laughs" document loads instantly and
blows up later, in whatever walks it (validation, hashing, JSON). `yaml.load` of `loop: &a [*a]`
builds a list that contains itself. Both are refused here, from the parser's event stream, before a
single Python object is built; then the document is constructed with a loader that rejects a key
written twice in one mapping (last-wins would let `audience: public` hide under `audience: internal`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    ScalarEvent,
)

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 32  # front-matter and configuration files nest a few levels; 32 is generous
MAX_NODES = 20_000  # scalars and collections after alias expansion
MAX_CHARS = 1_000_000


class YamlLimitError(yaml.MarkedYAMLError):
    """The YAML is well-formed but exceeds a limit (or repeats a key): refused before it is built."""


class _UniqueKeyMixin:
    """Construct mappings refusing a key written twice, at the line of the second one."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: the base class reports it
                    continue
                if first is not None:
                    raise ConstructorError(
                        None,
                        None,
                        f"duplicate key {key!r} (first written on line {first.line + 1}); a key may appear once",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


class StrictLoader(_UniqueKeyMixin, _BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader (libyaml when available) that refuses duplicate keys."""

    def construct_bounded_int(self, node):
        try:
            return self.construct_yaml_int(node)
        except ValueError:  # Python refuses to convert integers of more than 4,300 digits
            raise ConstructorError(
                None,
                None,
                f"a number of {len(str(node.value)):,} digits; the limit is 4,300",
                node.start_mark,
            ) from None


StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_bounded_int)


class DateAsTextLoader(StrictLoader):
    """Strict loader that keeps dates as text, so pydantic validates them with a clear message."""


DateAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _plainly_within(text: str, max_depth: int, max_nodes: int) -> bool:
    """True when `text` cannot break a limit, so the event walk is skipped (it doubled the cost of loading a doc).

    No `&` or `*`: no anchor or alias, so at most one node per character. Nesting needs a bracket, a brace or
    one more leading space, dash, `?` or `:` per level, so their counts bound the depth.
    """
    if "&" in text or "*" in text or len(text) >= max_nodes:
        return False
    lead = max((len(line) - len(line.lstrip(" -?:\t")) for line in text.split("\n")), default=0)
    return lead + text.count("[") + text.count("{") + 2 < max_depth


def check_limits(
    text: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES, max_chars: int = MAX_CHARS
) -> None:
    """Raise YamlLimitError when `text` nests too deep, aliases itself or expands past `max_nodes`.

    Streams parser events (no objects are built): memory and time are linear in the text.
    """
    if len(text) > max_chars:
        raise YamlLimitError(None, None, f"YAML of {len(text):,} characters; the limit is {max_chars:,}", None)
    if _plainly_within(text, max_depth, max_nodes):
        return
    sizes: dict[str, int] = {}  # anchor -> expanded node count of the node it names
    stack: list[list[Any]] = []  # open collections: [anchor, expanded count]
    total = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, CollectionStartEvent):
            if len(stack) >= max_depth:
                raise YamlLimitError(
                    None,
                    None,
                    f"YAML nested deeper than {max_depth} levels",
                    event.start_mark,
                )
            stack.append([event.anchor, 1])
            continue
        if isinstance(event, CollectionEndEvent):
            anchor, count = stack.pop()
            if anchor is not None:
                sizes[anchor] = count
            if stack:
                stack[-1][1] += count
            else:
                total += count
        elif isinstance(event, AliasEvent):
            if event.anchor not in sizes:
                open_anchors = {entry[0] for entry in stack}
                problem = (
                    f"alias *{event.anchor} refers to a node that contains it (recursive YAML is not allowed)"
                    if event.anchor in open_anchors
                    else f"alias *{event.anchor} names no anchor before it"
                )
                raise YamlLimitError(None, None, problem, event.start_mark)
            count = sizes[event.anchor]
            if stack:
                stack[-1][1] += count
            else:
                total += count
        elif isinstance(event, ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = 1
            if stack:
                stack[-1][1] += 1
            else:
                total += 1
        else:
            continue
        expanded = total + sum(entry[1] for entry in stack)
        if expanded > max_nodes:
            raise YamlLimitError(
                None,
                None,
                f"YAML expands to more than {max_nodes:,} values (aliases such as *{getattr(event, 'anchor', None) or '...'} "
                "repeat whole nodes: a 'billion laughs' document)",
                getattr(event, "start_mark", None),
            )


def load(text: str, *, dates_as_text: bool = False, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> Any:
    """The one YAML document in `text`, within the limits; yaml.YAMLError (with a mark) otherwise."""
    check_limits(text, max_depth=max_depth, max_nodes=max_nodes)
    return yaml.load(text, Loader=DateAsTextLoader if dates_as_text else StrictLoader)


def describe(exc: Exception, text: str | None = None) -> tuple[int | None, str]:
    """(0-based line or None, one-line problem) of a YAML error, for diagnostics, with a hint of what to do.

    `text` (the YAML) lets the hint quote the offending line. An unclosed quote or bracket is reported
    where it opens, not at the end of the front-matter where the parser gave up.
    """
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
    if isinstance(exc, ValueError) and "digits" in problem:  # int(): Python refuses 4,300+ digit numbers
        problem = "a number with too many digits (the limit is 4,300)"
    line = mark.line if mark is not None else None
    context, opened = getattr(exc, "context", None) or "", getattr(exc, "context_mark", None)
    if opened is not None and context == "while scanning a quoted scalar":
        return opened.line, "this quoted value is never closed; end it with the same quote on this line"
    if opened is not None and context in ("while parsing a flow sequence", "while parsing a flow mapping"):
        bracket = "[ ... ]" if "sequence" in context else "{ ... }"
        return opened.line, f"the {bracket} opened on this line is not closed on it ({problem})"
    if line is not None and text is not None and problem.startswith("mapping values are not allowed"):
        source = text.split("\n")[line] if line < len(text.split("\n")) else ""
        pair = _KEY_VALUE.match(source)
        if source[:1].isspace():
            problem += "; this line is indented as if it continued the line above: remove the indentation"
        elif pair and ": " in pair.group(2) + " ":
            value = pair.group(2).strip()
            quoted = '"' + value + '"' if '"' not in value else "'" + value.replace("'", "''") + "'"
            problem += f"; a value containing ': ' must be quoted: {pair.group(1)}: {quoted}"
    return line, problem


_KEY_VALUE = re.compile(r"^([A-Za-z_][\w-]*):\s+(.*)$")


__all__ = ["DateAsTextLoader", "StrictLoader", "YamlLimitError", "check_limits", "describe", "load"]


CONFIG_MAX_NODES = 500_000  # governance.yml of a large organisation: thousands of people and groups
CONFIG_MAX_BYTES = 5_000_000


def load_config_yaml(path: Path) -> Any:
    """A configuration file (governance.yml, taxonomy.yml), bounded like front-matter but larger."""
    if path.stat().st_size > CONFIG_MAX_BYTES:
        raise ValueError(f"file is {path.stat().st_size:,} bytes; the limit is {CONFIG_MAX_BYTES:,}")
    text = path.read_text(encoding="utf-8")
    check_limits(text, max_nodes=CONFIG_MAX_NODES, max_chars=CONFIG_MAX_BYTES)
    return yaml.load(text, Loader=StrictLoader)


def config_yaml_problem(path: Path, exc: Exception) -> str:
    """One line: `path:line: problem` for a configuration file that cannot be loaded."""
    line, problem = describe(exc)
    if isinstance(exc, UnicodeDecodeError):
        problem = f"not valid UTF-8 at byte {exc.start}"
    elif isinstance(exc, OSError):
        problem = f"cannot read: {exc.strerror or exc}"
    return f"{path}:{line + 1}: {problem}" if line is not None else f"{path}: {problem}"
