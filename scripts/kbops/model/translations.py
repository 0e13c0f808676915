"""Translation status: one definition shared by lint (drift warning) and the site (outdated notice)."""

from __future__ import annotations

from dataclasses import dataclass

from kbops.model.document import Document


@dataclass(frozen=True)
class TranslationStatus:
    source: Document | None  # None when translation_of names no known doc
    recorded_hash: str | None  # the source hash the translation says it was made from
    current_hash: str | None  # the source's hash now

    @property
    def outdated(self) -> bool:
        """The source changed since the translation was made (or the translation never recorded it)."""
        return self.source is not None and self.recorded_hash != self.current_hash


def translation_status(doc: Document, by_id: dict[str, list[Document]]) -> TranslationStatus | None:
    """Status of `doc` as a translation, or None when it is not one. `by_id` is `Corpus.by_id`."""
    source_id = doc.get("translation_of")
    if not source_id:
        return None
    candidates = [d for d in by_id.get(source_id, []) if d.locale != doc.locale]
    # translations share their source's id: the source is the one that is not itself a translation
    originals = [d for d in candidates if not d.get("translation_of")]
    source = (originals or candidates)[0] if candidates else None
    return TranslationStatus(source, doc.get("source_hash"), source.content_hash if source else None)
