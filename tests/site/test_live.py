"""Published means live: a real `kb serve` rebuilds what changed, switches atomically, and keeps the last good site."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.conftest import copy_kb, run_kb
from tests.server.conftest import free_port, running_server

DOC = "kb/payments/card-payment-declined.md"
PAGE = "/payments/card-payment-declined/"
OTHER_PAGES = ("/", "/fr/", "/assets/kbops/kbops.css", "/cards/lost-or-stolen-card/")


class Reader(threading.Thread):
    """Fetches pages in a loop and keeps every answer that is not a complete 200 page."""

    def __init__(self, base: str, paths: tuple[str, ...]):
        super().__init__(daemon=True)
        self.base, self.paths = base, paths
        self.stop = threading.Event()
        self.fetched = 0
        self.bad: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self.stop.is_set():
                for path in self.paths:
                    response = client.get(path)
                    self.fetched += 1
                    whole = not path.endswith("/") or response.text.rstrip().endswith("</html>")
                    if response.status_code != 200 or not whole:
                        self.bad.append(f"{path}: {response.status_code}, {len(response.content)} bytes")


def _wait_for(check, timeout: float = 180) -> float:
    """Seconds until `check()` holds (a generous bound only against a hang: timing is the benchmark's job)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.25)
    raise AssertionError(f"not live after {timeout} s")


@pytest.fixture(scope="module")
def live_kb(tmp_path_factory):
    return copy_kb(tmp_path_factory.mktemp("live") / "kbroot")


def test_a_missing_page_answers_in_the_readers_language(live_kb):
    with running_server(live_kb, "--no-watch", timeout=600) as server, server.client() as client:
        french = client.get("/fr/pas-de-page-ici/")
        assert french.status_code == 404 and '<html lang="fr"' in french.text and "Page introuvable" in french.text
        english = client.get("/no-page-here/")
        assert english.status_code == 404 and '<html lang="en"' in english.text and "Page not found" in english.text
        assert client.get("/healthz").json()["watching"] is False


def test_an_edit_goes_live_and_readers_never_see_a_gap(live_kb):
    from kbops.config import load_settings
    from kbops.server.keys import ApiKeyStore, keys_path

    staff_key = ApiKeyStore(keys_path(load_settings(live_kb))).create("internal", "staff")
    with running_server(live_kb, timeout=600) as server:
        assert (live_kb / "site" / "public").is_symlink()
        with server.client() as client:
            assert client.get(PAGE).status_code == 200
            reader = Reader(server.base, (PAGE, *OTHER_PAGES))
            reader.start()
            path = live_kb / DOC
            text = path.read_text(encoding="utf-8")
            path.write_text(
                text.replace("\n## ", "\nThe quokkaphone rule applies to every declined payment.\n\n## ", 1),
                encoding="utf-8",
            )

            def page_shows() -> bool:
                return "quokkaphone" in client.get(PAGE).text

            def search_finds() -> bool:
                hits = client.get("/api/search", params={"q": "quokkaphone"}).json()["hits"]
                return any(hit["id"] == "card-payment-declined" for hit in hits)

            seconds = max(_wait_for(page_shows), _wait_for(search_finds))
            time.sleep(1)
            reader.stop.set()
            reader.join(timeout=60)
            print(f"live after {seconds:.1f} s; {reader.fetched} concurrent fetches")
            assert reader.fetched > 0 and not reader.bad, reader.bad[:10]

            # A rebuild that fails keeps the last good site and says why, on /healthz and on stderr.
            path.write_text(
                path.read_text(encoding="utf-8").replace("quokkaphone rule", "quokkaphone [rule](id:no-such-doc)"),
                encoding="utf-8",
            )
            _wait_for(lambda: client.get("/healthz").json().get("sites", {}).get("public", {}).get("state") == "failed")
            health = client.get("/healthz", headers={"X-KB-Key": staff_key}).json()
            assert health["watching"] is True and "no-such-doc" in health["sites"]["public"]["error"]
            assert "error" not in client.get("/healthz").json()["sites"]["public"]  # file names are for staff only
            page = client.get(PAGE)
            assert page.status_code == 200 and "quokkaphone rule" in page.text
        log = server.log.read_text(encoding="utf-8")
        assert "could not be rebuilt; still serving the last good build" in log and "no-such-doc" in log

    # Started again on the broken content, kb serve refuses rather than serve the stale site.
    refused = run_kb("serve", "--port", str(free_port()), cwd=live_kb, timeout=600)
    assert refused.returncode == 1, refused.stderr
    assert "the public site could not be built" in refused.stderr and "no-such-doc" in refused.stderr
    assert "does not serve a site it could not build" in refused.stderr and "serving " not in refused.stderr
