"""Per-client rate limit of searches: a token bucket per caller (session, else key, else address).

A call-center floor often reaches the server from one address (NAT, a proxy) with one partner key, so
the client is the most specific thing a request carries: the sign-in session, then the API key (as a
hash, never the key itself), then the peer address. Buckets live in each worker process's memory; the
least recently used are forgotten past `max_clients`, so a flood of addresses cannot grow memory.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    """`rate` requests per second per client, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int, max_clients: int = 50_000, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.max_clients, self.clock = rate, burst, max_clients, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, updated)

    def allow(self, client: str) -> float:
        """0.0 when the request may go on (one token taken), else the seconds until the next token."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        tokens, updated = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - updated) * self.rate)
        if tokens >= 1.0:
            self._buckets[client] = (tokens - 1.0, now)
            allowed = 0.0
        else:
            self._buckets[client] = (tokens, now)
            allowed = (1.0 - tokens) / self.rate
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return allowed


def client_id(session: str | None, key: str | None, address: str | None) -> str:
    """The rate-limit identity of a request; secrets are hashed so they never sit in memory as keys."""
    if session:
        return "s:" + hashlib.sha256(session.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    if key:
        return "k:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return "a:" + (address or "unknown")


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
