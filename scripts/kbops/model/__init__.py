"""The content model: documents, their front-matter schema, governance and taxonomy."""

from __future__ import annotations

from kbops.model.document import Block, Document, Heading, Link, ParseProblem
from kbops.model.loader import Corpus, discover, load_corpus, load_document
from kbops.model.schema import Audience, DocStatus, DocType, FrontMatter

__all__ = [
    "Audience",
    "Block",
    "Corpus",
    "DocStatus",
    "DocType",
    "Document",
    "FrontMatter",
    "Heading",
    "Link",
    "ParseProblem",
    "discover",
    "load_corpus",
    "load_document",
]
