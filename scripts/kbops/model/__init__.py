"""The content model: documents, their front-matter schema, governance and taxonomy."""
from __future__ import annotations

from kbops.model.document import Document, Heading, Link, Block, ParseProblem
from kbops.model.loader import Corpus, load_corpus, load_document, discover
from kbops.model.schema import FrontMatter, DocType, DocStatus, Audience

__all__ = [
    "Audience", "Block", "Corpus", "DocStatus", "DocType", "Document", "FrontMatter", "Heading", "Link",
    "ParseProblem", "discover", "load_corpus", "load_document",
]
