"""Add imported products and tags to taxonomy.yml, keeping its comments, order and quoting (ruamel round trip)."""

from __future__ import annotations

import io
from pathlib import Path

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString


def _text(value: str) -> str:
    """Quoted when YAML 1.1 (what kbops reads with) would read it as something else: `no`, `on`, `1e3`..."""
    try:
        plain = pyyaml.safe_load(value) == value
    except pyyaml.YAMLError:
        plain = False
    return value if plain else DoubleQuotedScalarString(value)


def add_terms(path: Path, products: dict[str, str], tags: dict[str, str]) -> dict[str, list[str]]:
    """Add the keys taxonomy.yml lacks (label = the upstream name); returns what was added per section."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(path.read_text(encoding="utf-8")) or CommentedMap()
    added: dict[str, list[str]] = {}
    for section, terms in (("products", products), ("tags", tags)):
        if data.get(section) is None or len(data[section]) == 0:
            data[section] = CommentedMap()
        for key, label in sorted(terms.items()):
            if key in data[section]:
                continue
            term = CommentedMap(label=_text(label))
            term.fa.set_flow_style()
            data[section][_text(key)] = term
            added.setdefault(section, []).append(key)
    if added:
        out = io.StringIO()
        yaml.dump(data, out)
        path.write_text(out.getvalue(), encoding="utf-8")
    return added
