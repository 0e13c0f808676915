"""`kb lint`: a registry of documented rules run over the parsed knowledge base."""

from __future__ import annotations
