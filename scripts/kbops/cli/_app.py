"""The Typer application and the few helpers every command module shares."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from kbops.config import NOT_A_KB, Settings, is_knowledge_base, load_settings
from kbops.errors import ConfigError

app = typer.Typer(
    name="kb",
    help="kbops: lint, index, govern, measure and publish a docs-as-code support knowledge base.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

_state: dict[str, Any] = {"root": None}


@app.callback()
def _global(
    root: Path | None = typer.Option(
        None, "--root", help="Knowledge-base root (default: $KB_ROOT or the nearest folder with governance.yml)."
    ),
    today: str | None = typer.Option(
        None, "--today", help="Pretend today is YYYY-MM-DD (reproducible reports).", hidden=True
    ),
) -> None:
    _state["root"] = root
    _state["today"] = today
    _state.pop("settings", None)


def settings() -> Settings:
    """Settings for the current invocation: defaults < [tool.kbops] < global flags (read and validated once).

    Outside a knowledge base every command says so, and how to get into one, before anything else fails.
    """
    if "settings" not in _state:
        cfg = load_settings(_state.get("root"), today=_state.get("today"))
        if not is_knowledge_base(cfg.root):
            raise ConfigError(NOT_A_KB.format(root=cfg.root))
        _state["settings"] = cfg
    return _state["settings"]


def _parse_audience(value: str) -> str:
    from kbops.errors import UsageError
    from kbops.publishing import require_audience

    try:
        return require_audience(value)
    except UsageError as exc:
        raise typer.BadParameter(str(exc)) from None


def audience_option(default: Any, help: str) -> Any:
    """`--audience/-a`: a choice of the publishing audiences; a wrong value is a usage error (exit 2)
    whose message comes from `kbops.publishing.require_audience`, the same as the API's and the library's."""
    from kbops.publishing import AUDIENCES

    return typer.Option(
        default,
        "--audience",
        "-a",
        help=help,
        parser=_parse_audience,
        metavar="|".join(AUDIENCES),
        autocompletion=lambda: list(AUDIENCES),
    )


def check_format(format: str, allowed: tuple[str, ...]) -> None:
    """Usage error (exit 2) for an output format the command does not render."""
    from kbops.errors import UsageError

    if format not in allowed:
        raise UsageError(f"unknown format {format!r}; expected one of {', '.join(allowed)}")


def print_json(data: Any) -> None:
    """One JSON document on stdout (the command contract)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def progress_printer(label: str):
    """A progress callback that writes to stderr only when it is a terminal."""
    if not sys.stderr.isatty():
        return None

    def report(done: int, total: int) -> None:
        if done == total or done % 200 == 0:
            err.print(f"{label}: {done}/{total}", end="\r" if done < total else "\n")

    return report
