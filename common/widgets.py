"""Widgets of the portal's own.

FastSelect renders its options in Python. Django's Select renders every option through a
template include; a filter form with a county's villages and its choice fields rendered
some 1,000 options per request, which was half of a list page's time (issue 7).
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        parts = [f'<select name="{conditional_escape(name)}"{flatatt(final)}>']
        for option_value, option_label in self.choices:
            if isinstance(option_label, list | tuple):  # an optgroup
                parts.append(f'<optgroup label="{conditional_escape(option_value)}">')
                parts.extend(self._option(v, label, chosen) for v, label in option_label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, option_label, chosen))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every value and label is escaped)

    @staticmethod
    def _option(value, label, chosen: set[str]) -> str:
        value = "" if value is None else str(value)
        selected = " selected" if value in chosen else ""
        return (
            f'<option value="{conditional_escape(value)}"{selected}>'
            f"{conditional_escape(label)}</option>"
        )


def use_fast_selects(form: forms.BaseForm) -> None:
    """Swap every plain Select of the form for a FastSelect (same attributes)."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            widget = FastSelect(attrs=field.widget.attrs)
            widget.choices = field.widget.choices
            widget.is_required = field.widget.is_required
            field.widget = widget


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always written YYYY-MM-DD (the only form an
    <input type="date"> accepts): in the zh-hans locale Django would write 2026/11/20,
    which the browser drops, so a form shown again after an error lost its dates."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
