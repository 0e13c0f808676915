"""`kb serve`: the site for each caller's audience, the search API and the event collector."""

from __future__ import annotations

import typer

from kbops.cli._app import app, err, settings


@app.command("serve")
def serve_command(
    host: str | None = typer.Option(None, "--host", help="Address to listen on (default 127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", "-p", help="Port (default 8000)."),
    workers: int | None = typer.Option(None, "--workers", help="uvicorn worker processes (default 1)."),
    no_build: bool = typer.Option(
        False, "--no-build", help="Serve as is: do not update the index or build sites (implies --no-watch)."
    ),
    rebuild: bool = typer.Option(
        False, "--rebuild", help="Rebuild the index and every audience's site before serving."
    ),
    no_watch: bool = typer.Option(
        False,
        "--no-watch",
        help="Do not watch the KB: serve what was built at start (production builds made in CI).",
    ),
) -> None:
    """Serve the site for each caller's audience, the search API and the event collector.

    On start, the index is updated and each audience's site is rebuilt if its sources changed; a site
    that cannot be built stops the start (exit 1) instead of serving stale pages. While serving, edits
    under the KB are re-indexed and the affected sites rebuilt and switched atomically (unless
    --no-watch); a failed rebuild keeps the last good site and says why on stderr and /healthz.
    A port already in use is exit 2.
    """
    from kbops.errors import UsageError
    from kbops.server.config import server_config
    from kbops.server.keys import ApiKeyStore, keys_path
    from kbops.server.run import check_port, prepare, serve
    from kbops.site.build import SiteBuildError

    current = settings()
    config = server_config(current)
    address, number = host or config.host, port or config.port
    ApiKeyStore(
        keys_path(current)
    ).keys()  # a key file with an unknown audience stops the start (exit 2), not a request
    problem = check_port(address, number)
    if problem:
        raise UsageError(
            f"cannot serve on {address}:{number}: {problem}; stop the other server or choose another --port"
        )
    if not no_build:
        result = prepare(current, rebuild=rebuild, notify=lambda message: err.print(message, markup=False))
        if result.site_problems:
            raise SiteBuildError(
                "\n".join(result.site_problems)
                + "\nkb serve does not serve a site it could not build. Fix the findings above (`kb lint` shows them"
                " with file:line), or start with --no-build to serve the sites as they were last built."
            )
    watcher = None
    if not (no_build or no_watch):
        from kbops.server.site import site_dir
        from kbops.site.live import Watcher

        watcher = Watcher(
            current, lambda audience: site_dir(current, audience), lambda m: err.print(m, markup=False)
        ).start()
    else:
        from kbops.site.live import LiveStatus

        LiveStatus(watching=False).write(current)
    err.print(f"serving {current.root} on http://{address}:{number}/ (Ctrl-C stops)", markup=False)
    try:
        serve(current, host=host, port=port, workers=workers)
    finally:
        if watcher is not None:
            watcher.stop()
