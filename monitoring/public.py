"""The hardship self-report (困难自主申报) from the public household page (issue 8, placed
by issue 9): anyone with the plaque's code may tell the village that the family has run
into hardship. The report is named (who reports it), limited per connection and per
household, and becomes an alert of source "self-report" through services.self_report,
the one way every alert is raised. Nothing about the household is shown here that the
public page does not show.

The household page links here rather than holding the form, so that page stays kept
(households.public): a form carries a CSRF token for each visitor.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from households.models import Household
from households.public import DailyLimit, public_form
from monitoring import services
from monitoring.models import Cause

REPORTS_PER_CONNECTION = 5  # in a day
REPORTS_PER_HOUSEHOLD = 3  # in a day


class HardshipForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=40)
    causes = forms.MultipleChoiceField(
        label=_("What has happened"),
        choices=Cause.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    text = forms.CharField(
        label=_("Tell us about it"),
        min_length=5,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For example: who is ill or hurt, since when, what it costs the family."),
    )


def hardship_panel(request, household) -> dict:
    return {"url": reverse("monitoring:hardship", args=[household.token])}


@login_not_required
@require_http_methods(["GET", "POST"])
def hardship_report(request: HttpRequest, token: str) -> HttpResponse:
    def submit(household: Household, data: dict) -> dict:
        services.self_report(
            household=household, name=data["name"], text=data["text"], causes=data["causes"]
        )
        return {}

    return public_form(
        request,
        token,
        form_class=HardshipForm,
        limit=DailyLimit(
            "hardship",
            REPORTS_PER_CONNECTION,
            REPORTS_PER_HOUSEHOLD,
            _("Too many reports today. Please call the village committee instead."),
        ),
        page="monitoring/public_hardship.html",
        done="monitoring/public_hardship_done.html",
        submit=submit,
    )
