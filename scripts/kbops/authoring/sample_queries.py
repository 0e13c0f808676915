"""Add queries to a doc's `sample_queries`, changing only those lines of the file.

Only the `sample_queries` block of the front-matter is re-emitted, by a ruamel.yaml round trip (its
comments, quoting and flow or block style survive); every other byte of the file stays as it was, so
the pull request shows exactly the proposed queries.
"""

from __future__ import annotations

from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelYAMLError

from kbops.errors import UsageError
from kbops.model.key_block import KeyBlockError, key_block


def add_sample_queries(text: str, queries: list[str], source: str = "") -> str:
    """The doc text with `queries` appended to its sample_queries (created before the closing `---` if absent)."""
    if not queries:
        return text
    try:
        block = key_block(text, "sample_queries")
    except KeyBlockError as exc:
        raise UsageError(f"{source}: {exc}") from None
    try:
        data = block.yaml.load(block.text)
    except (RuamelYAMLError, ValueError, RecursionError) as exc:  # e.g. an alias to an anchor outside the block
        raise UsageError(f"{source}: sample_queries cannot be rewritten safely: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{source}: sample_queries is not a mapping key")
    current = data.get("sample_queries")
    if not isinstance(current, list):
        current = CommentedSeq()
        current.fa.set_block_style()
        data["sample_queries"] = current
    elif not current and isinstance(current, CommentedSeq) and current.fa.flow_style():  # round-trip YAML: always
        current.fa.set_block_style()
    current.extend(queries)
    return block.replace(data)
