"""A file beside a doc the audience may not see stays out of its site (an internal article's screenshots)."""

from __future__ import annotations

from kbops.config import load_settings
from kbops.site.stage import stage_site


def test_files_only_hidden_docs_refer_to_are_not_staged(kb_copy, tmp_path):
    (kb_copy / "kb/staff/screens").mkdir()
    (kb_copy / "kb/staff/screens/secret.png").write_bytes(b"\x89PNG internal")
    (kb_copy / "kb/staff/screens/shared.png").write_bytes(b"\x89PNG shared")
    (kb_copy / "kb/cards/logo.png").write_bytes(b"\x89PNG site asset")
    staff = kb_copy / "kb/staff/index.md"
    staff.write_text(
        staff.read_text(encoding="utf-8") + "\n![Admin screen](screens/secret.png)\n![Shared](screens/shared.png)\n",
        encoding="utf-8",
    )
    public = kb_copy / "kb/cards/freeze-card.md"
    public.write_text(
        public.read_text(encoding="utf-8") + "\n![Shared](../staff/screens/shared.png)\n", encoding="utf-8"
    )
    settings = load_settings(kb_copy)
    staged = {p.name for p in stage_site(settings, "public", tmp_path / "public").docs_dir.rglob("*.png")}
    assert "secret.png" not in staged
    assert {"shared.png", "logo.png"} <= staged  # referenced by a visible doc; an asset no doc hides
    internal = {p.name for p in stage_site(settings, "internal", tmp_path / "internal").docs_dir.rglob("*.png")}
    assert {"secret.png", "shared.png", "logo.png"} <= internal
