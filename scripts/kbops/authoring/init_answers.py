"""The answers `kb init` needs (every one has a flag, so CI can run it without questions)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field

from kbops.errors import UsageError
from kbops.locale import DEFAULT_LOCALE, is_locale
from kbops.model.schema import ID_PATTERN


@dataclass(frozen=True)
class InitAnswers:
    name: str
    email: str
    person: str  # governance.yml people key
    team: str = "support"
    team_name: str = "Support"
    team_email: str | None = None
    codeowners: tuple[str, ...] = ()
    site_name: str = "Help Center"
    site_url: str | None = None
    contact_url: str | None = None
    default_locale: str = DEFAULT_LOCALE
    locales: tuple[str, ...] = ("en",)
    product: str | None = None
    product_label: str = ""
    kbops_requirement: str = "kbops"
    problems: tuple[str, ...] = field(default=(), compare=False)


def git_identity(cwd: str | None = None) -> tuple[str | None, str | None]:
    """`git config user.name` and `user.email`, or None for each that is not set (or no git)."""
    found: list[str | None] = []
    for key in ("user.name", "user.email"):
        try:
            done = subprocess.run(["git", "config", "--get", key], cwd=cwd, capture_output=True, text=True, timeout=10)
            found.append(done.stdout.strip() or None)
        except (OSError, subprocess.SubprocessError):
            found.append(None)
    return found[0], found[1]


def person_key(email: str) -> str:
    """`Ana.Garcia@example.com` -> `ana.garcia` (the key style of governance.yml people)."""
    local = email.split("@", 1)[0].lower()
    return re.sub(r"[^a-z0-9._-]+", "-", local).strip("-.") or "owner"


def make_answers(
    *,
    name: str | None,
    email: str | None,
    team: str = "support",
    team_name: str | None = None,
    team_email: str | None = None,
    codeowners: tuple[str, ...] = (),
    site_name: str = "Help Center",
    site_url: str | None = None,
    contact_url: str | None = None,
    locales: tuple[str, ...] = ("en",),
    default_locale: str | None = None,
    product: str | None = None,
    product_label: str | None = None,
    kbops_requirement: str = "kbops",
) -> InitAnswers:
    """Validate every answer at once; a usage error lists all that are wrong."""
    problems = []
    if not name:
        problems.append("no owner name: pass --name or set `git config user.name`")
    if not email or "@" not in email:
        problems.append(f"no owner e-mail ({email!r}): pass --email or set `git config user.email`")
    if not re.fullmatch(ID_PATTERN, team):
        problems.append(f"--team {team!r}: expected a lowercase slug such as support-ops")
    if product and not re.fullmatch(ID_PATTERN, product):
        problems.append(f"--product {product!r}: expected a lowercase slug such as cards")
    bad = [loc for loc in locales if not is_locale(loc)]
    if bad or not locales:
        problems.append(f"--locales {','.join(locales)!r}: expected BCP-47 codes such as en,es,fr")
    default = default_locale or (locales[0] if locales else DEFAULT_LOCALE)
    if default not in locales:
        problems.append(f"--default-locale {default!r} is not one of --locales {','.join(locales)}")
    for handle in codeowners:
        if not (handle.startswith("@") or "@" in handle):
            problems.append(f"--codeowner {handle!r}: expected a forge handle (@org/team) or an e-mail")
    if problems:
        raise UsageError("kb init: " + "\n".join(problems))
    return InitAnswers(
        name=str(name),
        email=str(email),
        person=person_key(str(email)),
        team=team,
        team_name=team_name or team.replace("-", " ").capitalize(),
        team_email=team_email,
        codeowners=codeowners,
        site_name=site_name,
        site_url=site_url,
        contact_url=contact_url,
        default_locale=default,
        locales=tuple(dict.fromkeys([default, *locales])),
        product=product,
        product_label=product_label or (product or "").replace("-", " ").capitalize(),
        kbops_requirement=kbops_requirement,
    )
