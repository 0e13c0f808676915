"""Score arithmetic of hybrid retrieval: scale lexical and cosine scores, mix them, pick the top docs.

Every statistic (maxima, minima) is taken over the candidate docs only — those the caller may see
and asked for — so a hidden doc never moves a visible doc's score.
"""

from __future__ import annotations

import numpy as np


def scaled_lexical(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Lexical scores divided by the best candidate's (0..1); 0 outside the candidates."""
    found = np.where(candidates, scores, 0).astype(np.float32)
    best = float(found.max()) if found.size else 0.0
    return found / best if best > 0 else found


def scaled_cosine(similarities: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Cosines min-max scaled over the candidates that have vectors (0..1); 0 for every other doc."""
    found = np.zeros(similarities.shape, dtype=np.float32)
    present = candidates & np.isfinite(similarities)
    values = similarities[present]
    if not values.size:
        return found
    low, high = float(values.min()), float(values.max())
    span = high - low
    found[present] = (values - low) / span if span > 1e-9 else 1.0
    return found


def mix(lexical: np.ndarray, cosine: np.ndarray | float, lexical_weight: np.ndarray | float) -> np.ndarray:
    """The weighted score mix: w * lexical + (1 - w) * cosine (w may differ per doc, by language)."""
    return lexical_weight * lexical + (1 - lexical_weight) * cosine


def blend_languages(
    lexical: np.ndarray, cosine: np.ndarray, lexical_weight: np.ndarray | float, mine: np.ndarray
) -> np.ndarray:
    """The score mix when docs in other languages than the query's compete (scaled inputs; `mine`: the query's language).

    The query's words can only match text in their own language (a doc in another language matches at most
    through its translated taxonomy labels), so a missing word match there is no evidence against the doc:
    its semantic score stands in for the word match it could not have, unless its words did better.
    """
    own = mix(lexical, cosine, lexical_weight)
    other = mix(np.maximum(lexical, cosine), cosine, lexical_weight)
    return np.where(mine, own, other)


def top(scores: np.ndarray, matched: np.ndarray, limit: int) -> tuple[np.ndarray, int]:
    """Doc numbers of the best `limit` matched docs (ties by doc number) and the number of matches."""
    docs = np.flatnonzero(matched)
    if docs.size > limit:
        part = np.argpartition(-scores[docs], limit - 1)[:limit]
        chosen = docs[part]
    else:
        chosen = docs
    order = np.lexsort((chosen, -scores[chosen]))
    return chosen[order], int(docs.size)
