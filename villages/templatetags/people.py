"""{% load people %} {{ user|who }}: a member of staff as villages.people names them."""

from django import template

from villages import people

register = template.Library()


@register.filter
def who(user) -> str:
    return people.label(user)
