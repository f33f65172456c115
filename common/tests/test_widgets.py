from __future__ import annotations

from django import forms
from django.test.html import parse_html

from common.widgets import FastSelect, use_fast_selects


class ChoiceForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "全部"), ("a", "<甲>"), ("b", 'B "b"')])
    other = forms.ChoiceField(required=False, choices=[("x", "X")])


def test_fast_select_renders_what_djangos_select_renders():
    """Same options, same selection, same escaping: a browser sees the same control."""
    plain = ChoiceForm(data={"kind": "a"})
    fast = ChoiceForm(data={"kind": "a"})
    use_fast_selects(fast)
    assert isinstance(fast.fields["kind"].widget, FastSelect)

    for name in ("kind", "other"):
        # parsed: attribute order and whitespace aside, the same elements
        assert parse_html(str(fast[name])) == parse_html(str(plain[name]))
    html = str(fast["kind"])
    assert '<option value="a" selected>&lt;甲&gt;</option>' in html
    assert "B &quot;b&quot;" in html
    assert 'required id="id_kind"' in html or 'id="id_kind" required' in html
