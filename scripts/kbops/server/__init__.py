"""server: the `kb serve` ASGI app (site per audience, search API, event collector) and API keys."""
