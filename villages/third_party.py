"""Words that Django's admin and django-axes show but do not translate into Chinese
(issue 22: the axes admin read in English). Listed here so that `make messages` keeps
them in our catalogue, which Django reads before the libraries' own (LOCALE_PATHS).

An access log's name is an f-string in axes ("Access Log for admin @ …"): it is given
a translatable one when the app is ready."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext, gettext_noop, ngettext_lazy

STRINGS = [
    # Django 5.2's password length rule (its zh_Hans catalogue has only the older wording)
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    ),
    # django.contrib.admin's hidden table captions and link labels (Django 5.1+)
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # django-axes' models and admin
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
]


def _access_log_name(log) -> str:
    when = date_format(localtime(log.attempt_time), "SHORT_DATETIME_FORMAT")
    return gettext("%(user)s signed in at %(when)s") % {"user": log.username, "when": when}


def install() -> None:
    from axes.models import AccessLog

    AccessLog.__str__ = _access_log_name
