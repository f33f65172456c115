"""Public pages of the notices app, phone-first like the household page (no script, one
stylesheet, kept out of search engines):

- /v/<village code>/: the village board (its own, its township's and its county's
  published notices between their dates, pinned first), kept until a notice of the
  county changes or the day turns;
- /v/<village code>/notices/<pk>/: one notice, a financial disclosure as a table, its
  files;
- /h/<code>/voice/: the voice of the people (群众之声), named or anonymous, behind CSRF,
  a honeypot and limits per connection and per household;
- /voice/r/<receipt>/: an anonymous sender's receipt, where the reply shows.

And the two panels of the household page: its village's latest notices, and the voice
box with the replies the family allowed to be shown.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from common import parse
from common.caching import kept, public_page_key, versions
from grid.models import GridHousehold
from households.models import Household
from households.public import (
    DailyLimit,
    guessing,
    household_or_refusal,
    public_form,
    public_response,
    refused,
)
from notices import callouts, services
from notices.forms import VoiceForm
from notices.models import Attachment, Callout, Category, Feedback, Notice, VoiceStatus
from notices.views import serve_attachment
from villages.models import Level, Region
from villages.registry import panel_version_keys, panel_versions, portal, village_panels

BOARD_PAGE = 20
PANEL_NOTICES = 5
PANEL_REPLIES = 5


def _village(code: str) -> Region:
    return get_object_or_404(
        Region.objects.select_related("parent__parent").only(
            "pk", "name", "code", "parent__name", "parent__parent__name"
        ),
        code=code,
        level=Level.VILLAGE,
    )


@login_not_required
@require_GET
def board(request: HttpRequest, code: str) -> HttpResponse:
    village = _village(code)
    category = parse.choice(request.GET.get("category"), Category.values)
    page_number = parse.page(request.GET.get("page"))
    # the notices' version and the apps' panels' versions, read in one round trip
    own = services.public_key(village.code)
    kept_versions = versions([own, *panel_version_keys(portal.village_panels, village)])
    parts = panel_versions(portal.village_panels, village, kept_versions, strict=False)
    key = public_page_key(
        "village-board",
        village.pk,
        kept_versions[own],
        parts,
        category,
        timezone.localdate(),
        translation.get_language(),
        page=page_number,
        keep=parts is not None,
    )

    def make() -> str:
        qs = (
            Notice.objects.for_board(village.code)
            .select_related("region")
            .only(
                "pk",
                "title",
                "category",
                "pinned",
                "publish_on",
                "region__code",
                "region__level",
                "region__name",
            )
        )
        if category:
            qs = qs.filter(category=category)
        page = Paginator(qs.board_order(), BOARD_PAGE).get_page(page_number)
        return render_to_string(
            "notices/public_board.html",
            {
                "village": village,
                "page": page,
                "category": category,
                "categories": Category.choices,
                "panels": village_panels(request, village),
            },
            request=request,
        )

    return public_response(HttpResponse(kept(key, make, seconds=600)))


@login_not_required
@require_GET
def notice_page(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    village = _village(code)
    notice = get_object_or_404(
        Notice.objects.readable_on_board(village.code).select_related("region", "replaced_by"),
        pk=pk,
    )
    lines = list(notice.lines.all()) if notice.is_finance else []
    return public_response(
        render(
            request,
            "notices/public_notice.html",
            {
                "village": village,
                "notice": notice,
                "table": services.finance_table(lines) if notice.is_finance else None,
                "attachments": list(notice.attachments.all()),
            },
        )
    )


@login_not_required
@require_GET
def notice_file(request: HttpRequest, code: str, pk: int, file: int) -> HttpResponseBase:
    """A file of a notice the village's board shows (an expired or draft one's: 404)."""
    village = _village(code)
    notice = get_object_or_404(Notice.objects.readable_on_board(village.code), pk=pk)
    attachment = get_object_or_404(Attachment, pk=file, notice=notice)
    return public_response(serve_attachment(attachment))


# --- The voice of the people ---------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def voice_form(request: HttpRequest, token: str) -> HttpResponse:
    def submit(household: Household, data: dict) -> dict:
        feedback = services.feedback_receive(
            household=household,
            topic=data["topic"],
            text=data["text"],
            anonymous=data["anonymous"],
            name=data["name"],
            phone=data["phone"],
            publish_reply=data["publish_reply"],
        )
        return {"feedback": feedback}

    return public_form(
        request,
        token,
        form_class=VoiceForm,
        limit=DailyLimit(
            "voice",
            settings.VOICE_PER_CONNECTION,
            settings.VOICE_PER_HOUSEHOLD,
            gettext_lazy(
                "Too many messages today. Please try again tomorrow, or call the village committee."
            ),
        ),
        page="notices/public_voice.html",
        done="notices/public_voice_done.html",
        submit=submit,
    )


@login_not_required
@require_GET
def voice_receipt(request: HttpRequest, receipt: str) -> HttpResponse:
    """An anonymous sender reads the answer here; unknown receipts count like unknown
    household codes (they cannot be guessed by trying)."""
    if guessing(request, miss=False):
        return refused()
    feedback = (
        Feedback.objects.filter(receipt=receipt, anonymous=True).select_related("village").first()
        if len(receipt) <= 32
        else None
    )
    if feedback is None:
        if guessing(request, miss=True):
            return refused()
        raise Http404
    return public_response(render(request, "notices/public_receipt.html", {"feedback": feedback}))


# --- Panels of the public household page -----------------------------------------------------


def notices_panel(request, household) -> dict:
    """Two queries: the village's latest notices and whether there are more."""
    notices = list(
        Notice.objects.for_board(household.village_code)
        .only("pk", "title", "category", "pinned", "publish_on")
        .board_order()[: PANEL_NOTICES + 1]
    )
    return {
        "notices": notices[:PANEL_NOTICES],
        "more": len(notices) > PANEL_NOTICES,
        "village_code": household.village_code,
    }


def voice_panel(request, household) -> dict:
    replies = list(
        Feedback.objects.filter(
            household_id=household.pk,
            publish_reply=True,
            status__in=[VoiceStatus.REPLIED, VoiceStatus.CLOSED],
        )
        .exclude(reply="")
        .filter(matter__isnull=True)  # a matter's reply shows among the grid's replies
        .only("topic", "reply", "replied_at")
        .order_by("-replied_at")[:PANEL_REPLIES]
    )
    return {"replies": replies, "url": reverse("notices:voice_form", args=[household.token])}


# --- Broadcasts to residents (天音) on the door pages and the board -------------------------

PANEL_CALLOUTS = 3


def _for_household(household) -> Q:
    """A broadcast is for this household when it names no groups, grids or households
    (the whole area), or names the household, its villager group or its grid."""
    through = Callout.households.through
    groups = Callout.groups.through
    grids = Callout.grids.through
    whole_area = (
        ~Exists(through.objects.filter(callout_id=OuterRef("pk")))
        & ~Exists(groups.objects.filter(callout_id=OuterRef("pk")))
        & ~Exists(grids.objects.filter(callout_id=OuterRef("pk")))
    )
    return (
        whole_area
        | Exists(through.objects.filter(callout_id=OuterRef("pk"), household_id=household.pk))
        | Exists(groups.objects.filter(callout_id=OuterRef("pk"), region_id=household.group_id))
        | Exists(
            grids.objects.filter(
                callout_id=OuterRef("pk"),
                grid_id__in=GridHousehold.objects.filter(household_id=household.pk).values(
                    "grid_id"
                ),
            )
        )
    )


def callouts_panel(request, household) -> dict:
    """One query: the broadcasts showing now that are for this household; the link to
    its choice about text messages."""
    shown = list(
        Callout.objects.showing(household.village_code)
        .filter(_for_household(household))
        .only("pk", "kind", "title", "text", "send_after")
        .order_by("-send_after")[:PANEL_CALLOUTS]
    )
    return {"callouts": shown, "texts_url": reverse("notices:texts", args=[household.token])}


def board_callouts_panel(request, village) -> dict | None:
    """The village board: the area broadcasts showing now (a broadcast to a list of
    households shows on their door pages only)."""
    through = Callout.households.through
    shown = list(
        Callout.objects.showing(village.code)
        .filter(~Exists(through.objects.filter(callout_id=OuterRef("pk"))))
        .only("pk", "kind", "title", "text", "send_after")
        .order_by("-send_after")[:PANEL_CALLOUTS]
    )
    return {"callouts": shown} if shown else None


class TextsForm(forms.Form):
    choice = forms.TypedChoiceField(
        label=gettext_lazy("Text messages of village broadcasts"),
        choices=[
            ("1", gettext_lazy("Text us every broadcast")),
            ("0", gettext_lazy("Text us emergency warnings only")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def texts(request: HttpRequest, token: str) -> HttpResponse:
    """The family chooses whether it takes texts of non-emergency broadcasts (emergency
    warnings reach every phone)."""

    def submit(household: Household, data: dict) -> dict:
        opted_out = callouts.opt_out_set(household, opted_out=not data["choice"])
        return {"opted_out": opted_out}

    household = household_or_refusal(request, token)
    if isinstance(household, HttpResponse):
        return household
    if request.method == "GET":
        opted_out = callouts.is_opted_out(household.pk)
        form = TextsForm(initial={"choice": "0" if opted_out else "1"})
        return public_response(
            render(
                request,
                "notices/public_texts.html",
                {"household": household, "form": form, "token": token, "opted_out": opted_out},
            )
        )
    return public_form(
        request,
        token,
        form_class=TextsForm,
        limit=DailyLimit(
            "texts",
            settings.VOICE_PER_CONNECTION,
            settings.VOICE_PER_HOUSEHOLD,
            gettext_lazy("Too many changes today. Please try again tomorrow."),
        ),
        page="notices/public_texts.html",
        done="notices/public_texts_done.html",
        submit=submit,
    )
