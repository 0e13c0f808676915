"""kbops: a docs-as-code knowledge base toolkit for customer-support operations."""

from __future__ import annotations

__version__ = "0.1.0"
