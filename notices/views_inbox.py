"""Each member of staff's inbox (unread first, mark read, the number for text messages)
and the broadcast page, where staff push a message to the cadres and grid workers of a
region of theirs (天音)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import parse
from notices import services
from notices.forms import BroadcastForm, TextContactForm
from notices.models import Broadcast, Notification, TextContact
from notices.roles import BROADCASTERS, INBOX_HOLDERS
from villages.scoping import holds_role, require_role

PAGE = 30


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    require_role(request.user, INBOX_HOLDERS)
    qs = Notification.objects.filter(recipient_id=request.user.pk)
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs.order_by("-pk"), PAGE).get_page(parse.page(request.GET.get("page")))
    contact = TextContact.objects.filter(user=request.user.pk).first()
    return render(
        request,
        "notices/inbox.html",
        {
            "page": page,
            "unread": services.unread_count(request.user),
            "contact_form": TextContactForm(),
            "contact": contact,
            "may_broadcast": holds_role(request.user, BROADCASTERS),
        },
    )


@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification read and follow its link, or mark them all read."""
    require_role(request.user, INBOX_HOLDERS)
    if pk := parse.object_id(request.POST.get("notification")):
        services.mark_read(request.user, [pk])
        found = Notification.objects.filter(pk=pk, recipient_id=request.user.pk).first()
        link = found.link if found else ""
        if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
            return redirect(link)
        return redirect("notices:inbox")
    done = services.mark_read(request.user)
    messages.success(request, _("%(n)d message(s) marked read.") % {"n": done})
    return redirect("notices:inbox")


@require_POST
def text_contact(request: HttpRequest) -> HttpResponse:
    require_role(request.user, INBOX_HOLDERS)
    form = TextContactForm(request.POST)
    if form.is_valid():
        try:
            contact = services.text_contact_set(request.user, form.cleaned_data["phone"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if contact:
                messages.success(
                    request, _("Text messages go to %(phone)s.") % {"phone": contact.phone_masked}
                )
            else:
                messages.success(request, _("You take no text messages."))
    return redirect("notices:inbox")


@require_http_methods(["GET", "POST"])
def broadcast(request: HttpRequest) -> HttpResponse:
    require_role(request.user, BROADCASTERS)
    form = BroadcastForm(request.POST or None, user=request.user)
    if form.is_valid():
        try:
            sent = services.broadcast_send(sender=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Sent to %(n)d member(s) of staff.") % {"n": sent.recipients}
            )
            return redirect("notices:broadcast")
    page = Paginator(
        Broadcast.objects.visible_to(request.user).select_related("region", "sender"), PAGE
    ).get_page(parse.page(request.GET.get("page")))
    return render(request, "notices/broadcast.html", {"form": form, "page": page})
