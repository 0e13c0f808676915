"""Driving Material's search box in headless Chromium, as a reader types (shared by the browser tests)."""

from __future__ import annotations

_INDEX_LOADED = (
    "() => { const m = document.querySelector('.md-search-result__meta');"
    " const t = JSON.parse(document.getElementById('__config').textContent).translations;"
    " return m && m.textContent.trim() !== t['search.result.initializer']; }"
)


def search_like_a_reader(page, query: str, timeout: float = 15000):
    """Open the search box, wait for Material's worker to load the index, type `query`; return the first visible hit."""
    page.click("input.md-search__input")
    page.wait_for_function(_INDEX_LOADED)
    page.locator("input.md-search__input").press_sequentially(query, delay=40)
    # The first *visible* hit: collapsed "more on this page" links of an earlier keystroke's results are hidden.
    first = page.locator(".md-search-result__list > li a >> visible=true").first
    first.wait_for(state="visible", timeout=timeout)
    return first
