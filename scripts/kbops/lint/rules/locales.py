"""KB126-KB127: a doc's language as its file name and kbops' language data see it (kbops.locale)."""

from __future__ import annotations

from kbops import locale as locales
from kbops.lint.context import LintContext
from kbops.lint.registry import Finding, rule
from kbops.model.document import Document


@rule("KB126", "locale-suffix-mismatch")
def locale_suffix_mismatch(doc: Document, ctx: LintContext):
    """The file name's locale suffix disagrees with the front-matter `locale`.

    What it checks:
        A doc in the default locale has no suffix (`declined.md`); a doc in any other locale is named
        `<name>.<locale>.md` with the locale of its front-matter (`declined.pt.md` for `locale: pt`).

    Why it matters:
        The site puts a page in a language's section by its file name, while search, the language
        switcher and the translation checks read the front-matter. When they disagree, a Portuguese
        procedure is served under the English navigation with a Portuguese search analyzer, and agents
        in either language miss it.

    Bad:
        # kb/cards/declined.md
        locale: pt

    Good:
        # kb/cards/declined.pt.md
        locale: pt

    How to fix:
        Rename the file to the locale it is written in (`git mv declined.md declined.pt.md`), or correct
        the `locale` key if the file name is right.
    """
    if not doc.parsed or not locales.is_locale(doc.locale):
        return
    _, suffix = locales.suffix_locale(doc.relpath)
    named = suffix or ctx.settings.default_locale
    if named != doc.locale:
        expected = locales.localized_path(doc.relpath, doc.locale, ctx.settings.default_locale).rsplit("/", 1)[-1]
        said = f"suffix .{suffix}" if suffix else f"no locale suffix (default locale {ctx.settings.default_locale!r})"
        yield Finding(doc.line_of("locale"), f"locale {doc.locale!r} but the file name has {said}; expected {expected}")


@rule("KB127", "language-without-data", severity="info")
def language_without_data(doc: Document, ctx: LintContext):
    """The doc's language has no kbops language data, so English section names and templates apply.

    What it checks:
        The language of the doc's locale has a data folder in kbops (`kbops/locales/<language>/`:
        section names, `kb new` templates, site words). Languages shipped today: en, es, fr, pt, de, it.

    Why it matters:
        Adding a language is a configuration change, but without its data `kb new` scaffolds English
        headings and guidance, required sections are expected under their English names, and the site's
        own words (banners, trust line) stay English for readers of that language.

    Bad:
        locale: nl      # no kbops/locales/nl/

    Good:
        locale: pt

    How to fix:
        Add `kbops/locales/<language>/language.yml` and `templates/` (copy `en/` and translate it; see
        kbops/locales/README.md), or accept English headings for this language.
    """
    if not doc.parsed or not locales.is_locale(doc.locale) or locales.has_language_data(doc.locale):
        return
    yield Finding(
        doc.line_of("locale"),
        f"no language data for {doc.locale!r} (kbops/locales/{locales.language_of(doc.locale)}/): "
        "English section names and templates apply",
    )
