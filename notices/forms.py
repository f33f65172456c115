"""Forms of the notices app: notices and their lines and files, the voice of the people
(the public form and the staff's answers), broadcasts and the inbox's settings."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.forms import ObjectsField, field, label_choices
from common.widgets import DateInput
from grid.models import Grid, Hazard, MatterCategory, Urgency
from households.models import Household
from notices.models import (
    Audience,
    CalloutKind,
    Category,
    Direction,
    Notice,
    NoticeStatus,
    Topic,
    VoiceStatus,
)
from notices.roles import BROADCASTERS, CALLERS, NOTICE_KEEPERS
from villages.models import Level, Region

LEVELS = [Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]


def keeper_regions(user):
    """The regions the user publishes notices for: where they hold a keeper's role (a
    county officer the county, a township officer the township, a cadre the village)."""
    qs = Region.objects.filter(level__in=LEVELS)
    if user.is_superuser:
        return qs.order_by("code")
    return (
        qs.filter(assignments__user=user, assignments__role__in=list(NOTICE_KEEPERS))
        .distinct()
        .order_by("code")
    )


def _region_label(region: Region) -> str:
    return f"{region.name}（{region.get_level_display()}）"


class NoticeForm(forms.ModelForm):
    class Meta:
        model = Notice
        fields = ["region", "category", "title", "body", "pinned", "publish_on", "expires_on"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 10}),
            "publish_on": DateInput(),
            "expires_on": DateInput(),
        }
        help_texts = {
            "expires_on": _("Leave empty to show it until it is archived."),
            "body": _("For a financial disclosure, an introduction; its lines come next."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        regions = keeper_regions(user)
        field(self, "region", forms.ModelChoiceField).queryset = regions
        label_choices(self, "region", _region_label)
        if self.instance.pk:  # where a notice was published for stays
            self.fields["region"].disabled = True
            field(self, "region", forms.ModelChoiceField).queryset = Region.objects.filter(
                pk=self.instance.region_id
            )
        elif len(regions) == 1:
            self.fields["region"].initial = regions[0].pk

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("publish_on"), data.get("expires_on")
        if start and end and end < start:
            self.add_error("expires_on", _("The last day is before the first."))
        return data


class NoticeFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Notice category"),
        choices=[("", _("All categories")), *Category.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *NoticeStatus.choices], required=False
    )


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (the browser's month picker gives that)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"})

    def to_python(self, value):
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        try:
            year, month = (int(p) for p in text.replace("/", "-").split("-")[:2])
            return datetime.date(year, month, 1)
        except ValueError as exc:
            raise ValidationError(_("Enter a month as 2026-11.")) from exc


class FinanceLineForm(forms.Form):
    month = MonthField(label=_("Month"))
    direction = forms.ChoiceField(label=_("Income or expense"), choices=Direction.choices)
    item = forms.CharField(label=_("Item"), max_length=60)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0.01, max_digits=12, decimal_places=2
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A PDF file or a picture (JPEG, PNG, GIF), at most 8 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,image/jpeg,image/png,image/gif"}),
    )


# --- The voice of the people ---------------------------------------------------------------


class VoiceForm(forms.Form):
    """The public form. `website` is a honeypot: hidden from people, filled by bots."""

    topic = forms.ChoiceField(label=_("About"), choices=Topic.choices, initial=Topic.SUGGESTION)
    text = forms.CharField(
        label=_("Your message"),
        min_length=5,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    anonymous = forms.BooleanField(
        label=_("Send it anonymously"),
        required=False,
        help_text=_(
            "Nothing about you is kept: not your name, not your phone, not even "
            "this household. You get a receipt link to read the reply."
        ),
    )
    name = forms.CharField(label=_("Your name"), max_length=40, required=False)
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=20,
        required=False,
        help_text=_("Only the village committee sees it, to call you back."),
    )
    publish_reply = forms.BooleanField(
        label=_("The reply may be shown on this page"), required=False
    )
    website = forms.CharField(label=_("Leave this empty"), required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not data.get("anonymous") and not (data.get("name") or "").strip():
            self.add_error("name", _("Give your name, or send the message anonymously."))
        return data

    @property
    def is_bot(self) -> bool:
        return bool((self.data.get("website") or "").strip())


class VoiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Open (new or being handled)")), *VoiceStatus.choices, ("all", _("All"))],
        required=False,
    )
    topic = forms.ChoiceField(
        label=_("About"), choices=[("", _("Any topic")), *Topic.choices], required=False
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ToMatterForm(forms.Form):
    category = forms.ChoiceField(label=_("Kind of matter"), choices=MatterCategory.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)


# --- Notifications -----------------------------------------------------------------------------


class BroadcastForm(forms.Form):
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("To the staff of"))
    audience = forms.ChoiceField(label=_("Who"), choices=Audience.choices, initial=Audience.ALL)
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(
        label=_("Text"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    by_text = forms.BooleanField(
        label=_("Also by text message"),
        required=False,
        help_text=_("To those who gave a mobile number; the message says to read the portal."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field(self, "region", forms.ModelChoiceField).queryset = (
            Region.objects.visible_to(user, roles=BROADCASTERS)
            .filter(level__in=LEVELS)
            .order_by("code")
        )
        label_choices(self, "region", _region_label)


class TextContactForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number for text messages"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to take no text messages."),
    )


# --- Broadcasts to residents (天音) ------------------------------------------------------


def caller_regions(user):
    """The areas the user broadcasts to (the one scoping mechanism): a cadre's village; a
    township officer's township and its villages."""
    return (
        Region.objects.visible_to(user, roles=CALLERS)
        .filter(level__in=[Level.TOWNSHIP, Level.VILLAGE])
        .order_by("code")
    )


#: a preset list of households, resolved when the form is sent
HAZARD_HOUSEHOLDS = "hazards"


class CalloutForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Area"), queryset=Region.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=CalloutKind.choices)
    title = forms.CharField(label=_("Title"), max_length=40)
    text = forms.CharField(
        label=_("Text"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Read aloud by the loudspeakers, sent by text and shown on the board: no ID "
            "number, phone or anyone's sensitive category."
        ),
    )
    groups = ObjectsField(
        label=_("Only these villager groups"),
        queryset=Region.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    grids = ObjectsField(
        label=_("Only these grids"),
        queryset=Grid.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preset = forms.ChoiceField(
        label=_("Only these households"),
        choices=[("", _("—")), (HAZARD_HOUSEHOLDS, _("Households with an open hazard"))],
        required=False,
    )
    households = ObjectsField(
        queryset=Household.objects.none(), required=False, widget=forms.MultipleHiddenInput
    )
    by_speaker = forms.BooleanField(label=_("Loudspeakers"), required=False, initial=True)
    by_text = forms.BooleanField(label=_("Text messages"), required=False, initial=True)
    on_board = forms.BooleanField(label=_("Board and door pages"), required=False, initial=True)
    hours = forms.IntegerField(
        label=_("Shown for (hours)"), min_value=1, max_value=24 * 14, initial=24
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        regions = caller_regions(user)
        field(self, "region", forms.ModelChoiceField).queryset = regions
        label_choices(self, "region", _region_label)
        field(self, "groups", forms.ModelMultipleChoiceField).queryset = (
            Region.objects.visible_to(user, roles=CALLERS)
            .filter(level=Level.GROUP)
            .order_by("code")
        )
        field(self, "grids", forms.ModelMultipleChoiceField).queryset = Grid.objects.visible_to(
            user, roles=CALLERS
        ).select_related("village")
        field(
            self, "households", forms.ModelMultipleChoiceField
        ).queryset = Household.objects.visible_to(user, roles=CALLERS).select_related("village")
        only = list(regions[:2])
        if len(only) == 1:  # a cadre: her village
            self.fields["region"].initial = only[0].pk

    def clean(self):
        super().clean()
        data = self.cleaned_data
        region = data.get("region")
        if data.get("preset") == HAZARD_HOUSEHOLDS and region is not None:
            flagged = Hazard.objects.open().filter(
                village__code__startswith=region.code, household__isnull=False
            )
            data["households"] = list(
                Household.objects.filter(pk__in=flagged.values("household_id")).select_related(
                    "village"
                )
            )
            if not data["households"]:
                self.add_error("preset", _("No household of the area has an open hazard."))
        return data
