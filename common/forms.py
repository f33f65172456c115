"""Typed access to a form's fields.

`form.fields[name]` is a plain `Field` to the type checker; a form that narrows a
field's choices to the user's area (its queryset, its labels) says which kind of field
it is, and a field of another kind is an error at once rather than an attribute set on
the wrong object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms

from common import parse

F = TypeVar("F", bound=forms.Field)


def field(form: forms.BaseForm, name: str, kind: type[F]) -> F:
    """The form's field `name`, which is a `kind`."""
    found = form.fields[name]
    if not isinstance(found, kind):
        raise TypeError(f"{name} is a {type(found).__name__}, not a {kind.__name__}")
    return found


def label_choices(form: forms.BaseForm, name: str, label: Callable[[Any], str]) -> None:
    """Name each choice of the model choice field `name` with `label(obj)` (a village by
    its township, a person with their region and role). Django's documented way is to set
    label_from_instance on the field: the one place it is done, so the checker's
    objection to assigning a method is answered once."""
    choices = field(form, name, forms.ModelChoiceField)
    choices.label_from_instance = label  # type: ignore[method-assign,assignment]


class ObjectsField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose values are checked as ids (1 … 2**63-1) before
    the database sees them: a value past any integer column is an invalid choice, not
    an overflow in the driver (a 500)."""

    def clean(self, value):
        values = value if isinstance(value, list | tuple) else [value] if value else []
        for one in values:
            if parse.object_id(one) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(one)[:20]},
                )
        return super().clean(value)
