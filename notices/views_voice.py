"""The staff inbox of the voice of the people (群众之声): messages of the user's villages
by status (new, being handled, replied, closed), a message's page with its steps (take,
reply, close, turn into a grid matter), and the sender's phone under the reveal rule."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import parse
from common.xlsx import workbook_bytes
from grid.roles import MATTER_TAKERS
from households.downloads import personal_download
from households.forms import RevealForm
from households.models import AccessKind
from households.services import access_record
from notices import services
from notices.forms import ReplyForm, ToMatterForm, VoiceFilterForm
from notices.models import Feedback, VoiceStatus
from notices.roles import VOICE_HANDLERS, VOICE_READERS
from villages.scoping import has_role_at, may_see_identity, require_role

PAGE = 30
OPEN = [VoiceStatus.NEW, VoiceStatus.HANDLING]


@require_GET
def voice_list(request: HttpRequest) -> HttpResponseBase:
    require_role(request.user, VOICE_READERS)
    scoped = Feedback.objects.visible_to(request.user)
    form = VoiceFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or ""
    qs = scoped.select_related("village")
    if status == "":
        qs = qs.filter(status__in=OPEN)
    elif status != "all":
        qs = qs.filter(status=status)
    if data.get("topic"):
        qs = qs.filter(topic=data["topic"])
    if request.GET.get("format") == "xlsx":
        # the sender's name, not the phone (masked or not: a callback goes through the page)
        table = [
            [
                f.received_on.isoformat(),
                f.village.name,
                f.get_topic_display(),
                f.text,
                _("Anonymous") if f.anonymous else f.name,
                f.get_status_display(),
                f.reply,
            ]
            for f in qs.order_by("-pk").iterator()
        ]
        content = workbook_bytes(
            [
                _("Received on"),
                _("Village"),
                _("About"),
                _("Message text"),
                _("From"),
                _("Status"),
                _("Reply"),
            ],
            table,
            title=_("Voice of the people"),
            widths={0: 12, 1: 14, 3: 50, 6: 40},
        )
        return personal_download(
            user=request.user,
            what=_("Voice of the people"),
            rows=len(table),
            content=content,
            filename=_("Voice of the people") + f"-{timezone.localdate():%Y%m%d}.xlsx",
            roles=VOICE_READERS,
            filters=request.GET.urlencode(),
        )
    counts = dict(scoped.order_by().values_list("status").annotate(n=Count("pk")))
    page = Paginator(qs.order_by("-pk"), PAGE).get_page(parse.page(request.GET.get("page")))
    statuses = [(v, label, counts.get(v, 0)) for v, label in VoiceStatus.choices]
    return render(
        request, "notices/voice_list.html", {"form": form, "page": page, "statuses": statuses}
    )


def _feedback_for(request: HttpRequest, pk: int) -> Feedback:
    return get_object_or_404(
        Feedback.objects.visible_to(request.user).select_related(
            "village", "household", "handled_by", "matter"
        ),
        pk=pk,
    )


@require_GET
def voice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, VOICE_READERS)
    feedback = _feedback_for(request, pk)
    code = feedback.village.code
    handles = has_role_at(request.user, VOICE_HANDLERS, code)
    return render(
        request,
        "notices/voice_detail.html",
        {
            "feedback": feedback,
            "handles": handles and feedback.status != VoiceStatus.CLOSED,
            "reply_form": ReplyForm(initial={"reply": feedback.reply}),
            "matter_form": ToMatterForm()
            if handles and not feedback.matter_id and has_role_at(request.user, MATTER_TAKERS, code)
            else None,
            "may_reveal": bool(feedback.phone_masked) and may_see_identity(request.user, code),
        },
    )


@require_POST
def voice_action(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = _feedback_for(request, pk)
    action = request.POST.get("action")  # each service checks the user may handle it
    try:
        if action == "take":
            services.feedback_take(feedback, user=request.user)
            messages.success(request, _("You are handling this message."))
        elif action == "reply":
            form = ReplyForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Write the reply."))
            services.feedback_reply(feedback, user=request.user, reply=form.cleaned_data["reply"])
            if feedback.anonymous:
                where = _("The sender reads it with their receipt.")
            elif feedback.publish_reply:
                where = _("It shows on the household's public page.")
            else:
                where = _("It is not shown publicly.")
            messages.success(request, _("Reply saved. %(where)s") % {"where": where})
        elif action == "close":
            services.feedback_close(feedback, user=request.user)
            messages.success(request, _("Message closed."))
        elif action == "matter":
            matter_form = ToMatterForm(request.POST)
            if not matter_form.is_valid():
                raise ValidationError(_("Choose the kind of matter and its urgency."))
            matter = services.feedback_to_matter(
                feedback, user=request.user, **matter_form.cleaned_data
            )
            messages.success(request, _("The message is now a matter of the grid."))
            return redirect("grid:matter", pk=matter.pk)
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("notices:voice_detail", pk=feedback.pk)


@require_http_methods(["GET", "POST"])
def voice_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """The sender's full phone: the right at the village, a reason, a record (DESIGN §5)."""
    feedback = _feedback_for(request, pk)
    if not feedback.phone_masked or not may_see_identity(request.user, feedback.village.code):
        raise PermissionDenied
    form = RevealForm(request.POST or None)
    phone = ""
    if request.method == "POST" and form.is_valid():
        access_record(
            user=request.user,
            kind=AccessKind.VIEW_PHONE,
            region=feedback.village,
            reason=form.cleaned_data["reason"],
            detail=f"voice #{feedback.pk}",
        )
        phone = feedback.phone
    response = render(
        request, "notices/voice_phone.html", {"feedback": feedback, "form": form, "phone": phone}
    )
    response["Cache-Control"] = "no-store"
    return response
