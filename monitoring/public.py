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
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from common.ratelimit import daily_limited
from households.models import Household
from households.public import household_or_refusal
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
    household = household_or_refusal(request, token)
    if isinstance(household, HttpResponse):
        return household
    form = HardshipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if daily_limited(
            request,
            "hardship",
            household.pk,
            per_connection=REPORTS_PER_CONNECTION,
            per_household=REPORTS_PER_HOUSEHOLD,
        ):
            form.add_error(
                None, _("Too many reports today. Please call the village committee instead.")
            )
        else:
            services.self_report(
                household=Household.objects.get(pk=household.pk),
                name=form.cleaned_data["name"],
                text=form.cleaned_data["text"],
                causes=form.cleaned_data["causes"],
            )
            response = render(
                request,
                "monitoring/public_hardship_done.html",
                {"household": household, "token": token},
            )
            response["X-Robots-Tag"] = "noindex, nofollow"
            return response
    response = render(
        request,
        "monitoring/public_hardship.html",
        {"household": household, "form": form, "token": token},
        status=429 if form.non_field_errors() else 200,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
