"""Whoosh analyzers per language group: Snowball stemming, stop words and accent folding."""

from __future__ import annotations

import functools

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang import has_stemmer, has_stopwords, stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

from kbops.locale import stemmer_language, stopword_language
from kbops.search.text import FALLBACK_GROUP

TOKEN_PATTERN = r"\w+(?:[.,]\d+)*"
ANALYSIS_VERSION = 3  # bump when analysis changes: forces a full rebuild

# Nouns of quality kept whole (less their plural): Snowball cuts Spanish -idad and French -ité, so "actividad" met
# "activar" (activity / activate), "seguridad" met "seguro" (security / insurance), "activité" met "activer".
# Measured on the lexical engine over bench/search_quality's dev halves (bench/README.md, issue 18).
KEEP_SUFFIXES = {"es": (("idades", 2), ("idad", 0)), "fr": (("ites", 1), ("ite", 0))}


class VariantStemFilter(Filter):
    """Emits both stem(fold(word)) and fold(stem(word)) at the same position.

    Snowball stemmers know accented suffixes ("verificación" -> "verif") but not their unaccented
    spellings ("verificacion" stays whole). Indexing both variants, and querying both, makes a query
    typed without accents meet the accented text and vice versa.
    """

    def __init__(self, language: str | None):
        self.language = language
        self.stem = stemmer_for_language(language) if language and has_stemmer(language) else None
        self.keep = KEEP_SUFFIXES.get(language or "", ())
        self._cache: dict[str, tuple[str, ...]] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VariantStemFilter) and other.language == self.language

    # Whoosh pickles the schema into the index: keep only the language, rebuild stemmer and cache.
    def __getstate__(self) -> dict:
        return {"language": self.language}

    def __setstate__(self, state: dict) -> None:
        type(self).__init__(self, state["language"])

    def variants(self, word: str) -> tuple[str, ...]:
        found = self._cache.get(word)
        if found is None:
            folded = word.translate(accent_map)
            kept = next((folded[: len(folded) - cut] for suffix, cut in self.keep if folded.endswith(suffix)), None)
            if self.stem is None:
                found = (folded,)
            elif kept is not None and len(kept) > 5:
                found = (kept,)
            else:
                first, second = self.stem(folded), self.stem(word).translate(accent_map)
                found = (first,) if first == second else (first, second)
            if len(self._cache) < 200_000:
                self._cache[word] = found
        return found

    def __call__(self, tokens):
        for token in tokens:
            if token.stopped:
                yield token
                continue
            original = token.text
            for variant in self.variants(original):
                token.text = variant
                yield token
            token.text = original


# "Can" is a stop word in English's list; Snowball's Spanish and French lists lack the forms of poder / pouvoir
# ("no puedo activar la tarjeta" matched every Spanish doc saying "puedes").
MODAL_STOP_WORDS = {
    "es": ("puedo", "puedes", "puede", "podemos", "podeis", "pueden", "podria", "podrias", "podriamos", "podrian"),
    "fr": (
        "peux",
        "peut",
        "pouvons",
        "pouvez",
        "peuvent",
        "pourrais",
        "pourrait",
        "pourrions",
        "pourriez",
        "pourraient",
    ),
}


def _stoplist(language: str | None) -> frozenset[str]:
    if not language or not has_stopwords(language):
        return frozenset()
    extra = MODAL_STOP_WORDS.get(language, ())
    return frozenset(w.translate(accent_map) for w in (*stopwords_for_language(language), *extra))


class FoldedStopFilter(StopFilter):
    """Stop words compared without accents ("cómo", "como" and "esta" are all stop words in Spanish)."""

    def __call__(self, tokens):
        stoplist, minsize = self.stops, self.min
        for token in tokens:
            text = token.text
            if len(text) >= minsize and text.translate(accent_map) not in stoplist:
                token.stopped = False
                yield token
            elif not token.removestops:
                token.stopped = True
                yield token


@functools.cache
def stop_words(group: str) -> frozenset[str]:
    """The accent-folded stop words of a language group, as its analyzer drops them."""
    return _stoplist(None if group == FALLBACK_GROUP else group)


@functools.cache
def analyzer_for(group: str):
    """The analyzer of one language group (index and query side use the same one)."""
    fallback = group == FALLBACK_GROUP  # kbops.locale chooses each language's stemmer and stop words
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | FoldedStopFilter(stoplist=_stoplist(None if fallback else stopword_language(group)), minsize=2)
        | VariantStemFilter(None if fallback else stemmer_language(group))
    )


@functools.cache
def spelling_analyzer():
    """Unstemmed, accent-folded words: the dictionary "did you mean" suggests from."""
    return RegexTokenizer(r"[^\W\d_]{3,}") | LowercaseFilter() | CharsetFilter(accent_map)


def query_terms(text: str, group: str) -> list[tuple[str, ...]]:
    """The analyzed query: one tuple of variant terms per word position (stop words removed)."""
    positions: dict[int, list[str]] = {}
    for token in analyzer_for(group)(text, positions=True, removestops=True):
        bucket = positions.setdefault(token.pos, [])
        if token.text not in bucket:
            bucket.append(token.text)
    return [tuple(v) for _, v in sorted(positions.items())]


def spelling_words(text: str) -> list[str]:
    return [t.text for t in spelling_analyzer()(text)]
