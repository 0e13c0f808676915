"""The staging step skips the unsafe-HTML rules only for docs in which they cannot find anything."""

from __future__ import annotations

import pytest

from kbops.lint.registry import all_rules
from kbops.model.loader import parse_document
from kbops.site.sanitize import UNSAFE_HTML_RULES, unsafe_html

HOSTILE = [
    "<script>alert(1)</script>",
    '<SCRIPT src="x.js"></SCRIPT>',
    '<img src="x.png" onerror="alert(1)">',
    '<a href="#" ONCLICK="x()">a</a>',
    "<div\tonmouseover=x>y</div>",
    '<iframe src="https://x.example"></iframe>',
    '<object data="x.swf"></object>',
    '<embed src="x">',
    '<a href="javascript:alert(1)">a</a>',
    '<a href="java&#115;cript:alert(1)">a</a>',
    '<a href="jav&Tab;ascript:alert(1)">a</a>',
    '<a href="&#x6A;avascript:alert(1)">a</a>',
    '<a href=" javascript:alert(1)">a</a>',
    '<svg><a xlink:href="javascript:alert(1)">a</a></svg>',
    '<form action="javascript:alert(1)"><input></form>',
    "[Reset](javascript:alert(1))",
    "[r]: javascript:alert(1)",
]


def _doc(body: str):
    text = f"---\nid: x\ntitle: X\ndescription: X.\ntype: article\nstatus: published\naudience: public\nowner: o\n---\n# X\n\n{body}\n"
    return parse_document("kb/x.md", text.encode("utf-8"))


@pytest.mark.parametrize("body", HOSTILE)
def test_every_hostile_sample_is_still_checked(body):
    doc = _doc(body)
    rules = all_rules()
    by_rules = [f for code in UNSAFE_HTML_RULES for f in rules[code].check(doc, None) or ()]
    assert by_rules, f"the rules themselves find nothing in {body!r}"
    assert unsafe_html(doc), f"staging skipped {body!r}, which the rules flag"


@pytest.mark.parametrize("body", ["Line one<br>line two &nbsp; <b>bold</b>", "| a | b |\n|---|---|\n| <br> | &amp; |"])
def test_harmless_html_is_not_parsed_for_the_rules(body):
    assert unsafe_html(_doc(body)) == []
