"""`kb serve`: the site for each caller's audience, the search API and the event collector."""
from __future__ import annotations

from typing import Optional

import typer

from kbops.cli._app import app, err, settings


@app.command("serve")
def serve_command(
    host: Optional[str] = typer.Option(None, "--host", help="Address to listen on (default 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, "--port", "-p", help="Port (default 8000)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="uvicorn worker processes (default 1)."),
    no_build: bool = typer.Option(False, "--no-build", help="Serve as is: do not update the index or build missing sites."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild the index and every audience's site before serving."),
) -> None:
    """Serve the site for each caller's audience, the search API and the event collector."""
    from kbops.server.keys import ApiKeyStore, keys_path
    from kbops.server.run import prepare, serve

    current = settings()
    ApiKeyStore(keys_path(current)).keys()  # a key file with an unknown audience stops the start (exit 2), not a request
    if not no_build:
        result = prepare(current, rebuild=rebuild, notify=lambda message: err.print(message, markup=False))
        for problem in result.site_problems:
            err.print(f"warning: {problem}", markup=False)
    from kbops.server.config import server_config

    config = server_config(current)
    err.print(f"serving {current.root} on http://{host or config.host}:{port or config.port}/ (Ctrl-C stops)", markup=False)
    serve(current, host=host, port=port, workers=workers)
