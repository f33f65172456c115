"""Template source checks: Django's {# #} comment ends at the line's end, so one that
spans lines is printed on the page (the household page showed one to every cadre)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_comment_of_the_short_form_spans_lines():
    open_comments = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.count("{#") > line.count("#}"):
                open_comments.append(f"{path.relative_to(ROOT)}:{number}")
    assert open_comments == [], "use {% comment %} for comments over several lines"
