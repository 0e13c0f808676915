"""Rule families; importing this package registers every rule."""
from __future__ import annotations

from kbops.lint.rules import parsing, schema  # noqa: F401
from kbops.lint.rules import identity  # noqa: F401
from kbops.lint.rules import vocabulary  # noqa: F401
from kbops.lint.rules import structure  # noqa: F401
from kbops.lint.rules import links  # noqa: F401
from kbops.lint.rules import freshness  # noqa: F401
from kbops.lint.rules import privacy  # noqa: F401
from kbops.lint.rules import html  # noqa: F401
from kbops.lint.rules import style  # noqa: F401
from kbops.lint.rules import suppression  # noqa: F401
from kbops.lint.rules import governance  # noqa: F401
from kbops.lint.rules import locales  # noqa: F401
