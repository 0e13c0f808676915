"""`kb api-key`: create, list and revoke the keys that unlock an audience on the server."""

from __future__ import annotations

import typer

from kbops.cli._app import app, audience_option, check_format, err, out, print_json, settings

api_key_app = typer.Typer(help="Create, list and revoke API keys (each unlocks one audience).", no_args_is_help=True)
app.add_typer(api_key_app, name="api-key")


@api_key_app.command("create")
def api_key_create(
    audience: str = audience_option(..., "The audience the key unlocks."),
    label: str = typer.Option(..., "--label", help="Who or what uses the key, e.g. the partner's name."),
) -> None:
    """Create a key and print it once (only its SHA-256 is stored in .kb/api-keys.json)."""
    from kbops.server.keys import ApiKeyStore, keys_path

    key = ApiKeyStore(keys_path(settings())).create(audience, label)
    err.print(f"API key for {label!r} ({audience}); shown once, store it now:", markup=False)
    print(key)


@api_key_app.command("list")
def api_key_list(format: str = typer.Option("text", "--format", "-f", help="text | json")) -> None:
    """List keys (label, audience, creation date; never the secret)."""
    from kbops.server.keys import ApiKeyStore, keys_path

    check_format(format, ("text", "json"))
    keys = ApiKeyStore(keys_path(settings())).keys()
    if format == "json":
        print_json([{"label": k.label, "audience": k.audience, "created": k.created} for k in keys])
        return
    for k in keys:
        out.print(f"{k.label:30} {k.audience:9} {k.created}", markup=False)


@api_key_app.command("revoke")
def api_key_revoke(label: str = typer.Argument(..., help="The label given at creation.")) -> None:
    """Revoke a key at once (running servers re-read the key file)."""
    from kbops.server.keys import ApiKeyStore, keys_path

    revoked = ApiKeyStore(keys_path(settings())).revoke(label)
    out.print(f"revoked {revoked.label!r} ({revoked.audience})", markup=False)
