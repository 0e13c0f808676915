"""Commands of the search domain (registered on the shared Typer app)."""
from __future__ import annotations
