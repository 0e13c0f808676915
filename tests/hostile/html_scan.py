"""Find script that came from content in a built page: what a browser would run that the theme did not put there."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Every payload in the hostile corpus calls alert(...); the theme never does.
PAYLOAD = re.compile(r"alert\s*\(", re.IGNORECASE)
EMBEDS = {"iframe", "object", "embed", "frame", "frameset"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "srcdoc"}


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in EMBEDS:
            self.found.append(f"<{tag}>")
        if tag == "script":
            self._script_depth += 1
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES:
                compact = re.sub(r"[\x00-\x20]", "", value).lower()
                if compact.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.found.append(f"<{tag} {name}={value[:40]}>")

    def handle_endtag(self, tag):
        if tag == "script" and self._script_depth:
            self._script_depth -= 1

    def handle_data(self, data):
        if self._script_depth and PAYLOAD.search(data):
            self.found.append(f"<script>{data[:60]}")


def content_scripts(page: str) -> list[str]:
    """Executable content a page would run that came from documents: scripts with a payload, embeds,
    event-handler attributes, `javascript:` URLs. The theme's own scripts carry no payload and no handler."""
    scanner = _Scanner()
    scanner.feed(page)
    scanner.close()
    return scanner.found
