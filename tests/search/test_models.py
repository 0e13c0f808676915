"""The query-vector cache (LRU) in front of the real default model, as search threads share it."""

from __future__ import annotations

import threading

import numpy as np

from kbops.search.embedding import load_embedder
from kbops.search.models import QueryVectors


class Counting:
    """The real default model, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        self.model = load_embedder(None)
        self.name, self.dim = self.model.name, self.model.dim
        self.embedded: list[str] = []
        self._lock = threading.Lock()

    def embed_queries(self, texts):
        with self._lock:
            self.embedded += list(texts)
        return self.model.embed_queries(texts)


def test_a_repeated_query_is_embedded_once_and_the_oldest_is_evicted() -> None:
    model = Counting()
    cache = QueryVectors(model, size=2)
    first = cache.vector("tarjeta rechazada")
    np.testing.assert_array_equal(cache.vector("tarjeta rechazada"), first)
    np.testing.assert_allclose(first, model.model.embed_queries(["tarjeta rechazada"])[0], atol=1e-6)
    cache.vector("card declined")
    cache.vector("tarjeta rechazada")  # now the most recent
    cache.vector("carte refusée")  # evicts "card declined", the least recently used
    cache.vector("tarjeta rechazada")
    cache.vector("card declined")
    assert model.embedded == ["tarjeta rechazada", "card declined", "carte refusée", "card declined"]


def test_threads_share_the_cache_safely() -> None:
    model = Counting()
    cache = QueryVectors(model, size=8)
    texts = [f"where is my refund {n}" for n in range(12)]
    expected = {t: model.model.embed_queries([t])[0] for t in texts}
    failures: list[str] = []

    def searcher(offset: int) -> None:
        for _round in range(3):
            for text in texts[offset:] + texts[:offset]:
                if not np.allclose(cache.vector(text), expected[text], atol=1e-5):
                    failures.append(text)

    threads = [threading.Thread(target=searcher, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(cache._cache) <= 8
