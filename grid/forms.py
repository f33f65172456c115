"""Forms of the grid pages."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import field, label_choices
from common.widgets import DateInput
from grid.models import (
    GridRole,
    Hazard,
    HazardKind,
    Matter,
    MatterCategory,
    MatterLevel,
    Visit,
    VisitKind,
)
from grid.roles import GRID_READERS
from households.models import Household
from villages.forms import limit_to_villages
from villages.models import Level, Region, StaffAssignment


class GridForm(forms.Form):
    village = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("Village"))
    name = forms.CharField(
        label=_("Grid name"),
        max_length=40,
        help_text=_("For example: 第一网格, or the groups it covers."),
    )

    def __init__(self, *args, villages: list[Region], **kwargs):
        super().__init__(*args, **kwargs)
        limit_to_villages(field(self, "village", forms.ModelChoiceField), villages)


class MemberForm(forms.Form):
    """A person in a role: one of the village's portal users, or a name and a phone."""

    role = forms.ChoiceField(label=_("Role"), choices=GridRole.choices)
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        label=_("Portal user"),
        required=False,
        help_text=_("Or give a name and a phone below."),
    )
    name = forms.CharField(label=_("Name"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)

    def __init__(self, *args, village: Region, **kwargs):
        super().__init__(*args, **kwargs)
        users = StaffAssignment.objects.filter(
            region__code__in=[village.code, village.parent.code if village.parent else ""]
        ).values("user")
        field(self, "user", forms.ModelChoiceField).queryset = (
            get_user_model().objects.filter(pk__in=users, is_active=True).order_by("username")
        )
        label_choices(self, "user", lambda u: u.get_full_name() or u.username)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not data.get("user") and not (data.get("name") or "").strip():
            raise forms.ValidationError(_("Choose a portal user or give a name."))
        return data


class AssignForm(forms.Form):
    """Households into the grid: a villager group's, or typed by their numbers."""

    group = forms.ModelChoiceField(
        queryset=Region.objects.none(),
        label=_("Every household of the villager group"),
        required=False,
    )
    numbers = forms.CharField(
        label=_("Household numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Separate them with spaces, commas or new lines."),
    )

    def __init__(self, *args, village: Region, **kwargs):
        super().__init__(*args, **kwargs)
        field(self, "group", forms.ModelChoiceField).queryset = Region.objects.filter(
            parent=village, level=Level.GROUP
        ).order_by("code")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        data["number_list"] = [
            n for n in re.split(r"[\s,，、;；]+", data.get("numbers") or "") if n
        ]
        if not data.get("group") and not data["number_list"]:
            raise forms.ValidationError(_("Choose a villager group or type household numbers."))
        return data


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["visited_on", "kind", "findings", "hardship_suspected", "matter_to_raise"]
        widgets = {
            "visited_on": DateInput(),
            "findings": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()
        self.fields["kind"].initial = VisitKind.ROUTINE
        field(
            self, "kind", forms.ChoiceField
        ).choices = VisitKind.choices  # no empty choice: most are routine
        self.fields["hardship_suspected"].help_text = _(
            "The village verifies it: an alert goes to the return-to-poverty queue."
        )


class MonthForm(forms.Form):
    month = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
    )


class MatterForm(forms.ModelForm):
    class Meta:
        model = Matter
        fields = ["source", "category", "urgency", "title", "description", "notify_resident"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class MatterFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("open", _("Open")),
            ("overdue", _("Overdue")),
            ("resolved", _("Resolved")),
            ("all", _("All")),
        ],
    )
    level = forms.ChoiceField(
        label=_("Handled at"), required=False, choices=[("", _("Any level")), *MatterLevel.choices]
    )
    category = forms.ChoiceField(
        label=_("Kind of matter"),
        required=False,
        choices=[("", _("Any category")), *MatterCategory.choices],
    )
    village = forms.ModelChoiceField(
        queryset=Region.objects.none(),
        label=_("Village"),
        required=False,
        empty_label=_("All villages"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = Region.objects.visible_to(user, roles=GRID_READERS).filter(level=Level.VILLAGE)
        if villages.count() > 1:
            field(self, "village", forms.ModelChoiceField).queryset = villages.order_by("code")
        else:
            del self.fields["village"]


class HazardForm(forms.ModelForm):
    photo = forms.ImageField(
        label=_("Photo"),
        required=False,
        help_text=_("Location and camera data are removed from photos before they are stored."),
    )

    class Meta:
        model = Hazard
        fields = ["kind", "description", "deadline"]
        widgets = {"deadline": DateInput()}


class LogForm(forms.Form):
    """An entry of the village's 民情日志; the household by its number (optional)."""

    village = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("Village"))
    on = forms.DateField(label=_("Date"), widget=DateInput())
    place = forms.CharField(label=_("Place"), max_length=100)
    people = forms.CharField(label=_("People met"), max_length=200)
    raised = forms.CharField(
        label=_("What they raised"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up = forms.CharField(label=_("Follow-up"), max_length=500, required=False)
    number = forms.CharField(label=_("Household concerned (number)"), max_length=20, required=False)
    summary = forms.CharField(
        label=_("Public summary (optional)"),
        max_length=300,
        required=False,
        help_text=_("Shown on the village board once published: name no one."),
    )

    def __init__(self, *args, villages, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        limit_to_villages(field(self, "village", forms.ModelChoiceField), villages)

    def clean(self):
        data = super().clean() or {}
        data["household"] = None
        if data.get("village") and data.get("number", "").strip():
            found = Household.objects.filter(
                village=data["village"], number=data["number"].strip()
            ).first()
            if found is None:
                self.add_error("number", _("No household of the village has this number."))
            data["household"] = found
        return data


class PatrolHazardForm(forms.Form):
    """A hazard a village-wide patrol found at a place (not at a household)."""

    village = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("Village"))
    kind = forms.ChoiceField(label=_("Hazard"))
    place = forms.CharField(
        label=_("Place"),
        max_length=100,
        help_text=_("For example: 村东桥, the slope behind group 3, 后山水源地."),
    )
    description = forms.CharField(label=_("What was found"), max_length=300)
    deadline = forms.DateField(label=_("Put right by"), widget=DateInput())
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180, decimal_places=6
    )
    photo = forms.ImageField(
        label=_("Photo"),
        required=False,
        help_text=_("Location and camera data are removed from photos before they are stored."),
    )

    def __init__(self, *args, villages, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to_villages(field(self, "village", forms.ModelChoiceField), villages)
        field(self, "kind", forms.ChoiceField).choices = [(k.value, k.label) for k in kinds]


class HazardFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Hazard"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("overdue", _("Overdue")), ("closed", _("Closed"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field(self, "kind", forms.ChoiceField).choices = [("", _("All")), *HazardKind.choices]


class ClosingPhotoForm(forms.Form):
    """The photo of a hazard put right (optional), opened as an image only."""

    photo = forms.ImageField(label=_("Photo when put right"), required=False)
