"""Forms of the registry. Choices of regions always come through visible_to()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import field
from common.widgets import DateInput, use_fast_selects
from households.idnumbers import validate_id_number
from households.models import (
    AwayReason,
    DocumentKind,
    Education,
    Employment,
    Health,
    Household,
    HouseholdQuerySet,
    LabourAbility,
    LifeEvent,
    LivingEnvironment,
    Political,
    PovertyStatus,
    Presence,
    PublicInfo,
    Relation,
    Resident,
    ResidentStatus,
    Sex,
)
from households.phones import clean_phone
from households.roles import REGISTRY_KEEPERS, REGISTRY_READERS
from households.selectors import (
    HOUSEHOLD_SIZES,
    LAND_BANDS,
    LAND_LABELS,
    MONITORED_FILTER,
    PRESET_ABLE_UNEMPLOYED,
    PRESET_DISABLED_OR_TEKUN,
)
from villages.models import Level, Region


def _blank(label):
    return [("", label)]


SIZE_CHOICES = [
    (n, _("%(n)d or more") % {"n": n} if n == HOUSEHOLD_SIZES[-1] else str(n))
    for n in HOUSEHOLD_SIZES
]
HEALTH_FILTER = [*_blank(_("Any health")), *Health.choices, ("disabled", _("Disabled"))]


class NameChoiceIterator(ModelChoiceIterator):
    """(pk, name) pairs straight from the database: no model instance per option (a
    county's 200 villages, on every list page)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


if TYPE_CHECKING:
    _Form = forms.BaseForm  # the mixin is used on forms only
else:
    _Form = object


class RegionChoiceMixin(_Form):
    """Limits the village and group fields to the regions the user may see.

    The group field offers the groups of the chosen village only: a county has some 1,500
    groups, and rendering them all made the form most of a list page's time (issue 7).
    portal.js reloads the groups when the village changes (households:group_options);
    without script, filtering once shows the village's groups.
    """

    def limit_regions(self, user, roles=None) -> None:
        villages = Region.objects.visible_to(user, roles=roles).filter(level=Level.VILLAGE)
        village_field = field(self, "village", forms.ModelChoiceField)
        village_field.iterator = NameChoiceIterator  # before the queryset, which binds it
        village_field.queryset = villages
        village_field.widget.attrs["data-groups-url"] = reverse_lazy("households:group_options")
        village = self._chosen_village(villages)
        group = field(self, "group", forms.ModelChoiceField)
        group.iterator = NameChoiceIterator
        group.queryset = (
            Region.objects.filter(level=Level.GROUP, parent=village)
            if village is not None
            else Region.objects.none()
        )
        if village is None:
            group.help_text = _("Choose a village to see its groups.")
        use_fast_selects(self)

    def _chosen_village(self, villages) -> Region | None:
        chosen = self.data.get(self.add_prefix("village")) if self.is_bound else None
        if chosen:
            try:
                return villages.filter(pk=int(chosen)).first()
            except (TypeError, ValueError):
                return None
        instance = getattr(self, "instance", None)
        if instance is not None and getattr(instance, "village_id", None):
            return instance.village
        if self.is_bound:
            return None
        # Unbound: the one village of a cadre, or the village a form preselects.
        first_two = list(villages[:2])
        if len(first_two) == 1 or (
            first_two and field(self, "village", forms.ModelChoiceField).empty_label is None
        ):
            return first_two[0]
        return None


class HouseholdFilterForm(RegionChoiceMixin, forms.Form):
    idh = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, exact ID number or number")}),
    )
    village = forms.ModelChoiceField(
        label=_("Village"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All villages"),
    )
    group = forms.ModelChoiceField(
        label=_("Villager group"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All groups"),
    )
    labour_ability = forms.ChoiceField(
        label=_("Labour ability"),
        required=False,
        choices=[*_blank(_("Any labour ability")), *LabourAbility.choices],
    )
    employment = forms.ChoiceField(
        label=_("Employment"),
        required=False,
        choices=[*_blank(_("Any employment")), *Employment.choices],
    )
    health = forms.ChoiceField(label=_("Health"), required=False, choices=HEALTH_FILTER)
    support = forms.ChoiceField(
        label=_("Social assistance"),
        required=False,
        choices=[
            ("", _("Any assistance")),
            ("dibao", _("Low-income allowance (低保)")),
            ("tekun", _("Destitute support (特困/五保)")),
            ("either", _("低保 or 特困")),
        ],
    )
    poverty_status = forms.ChoiceField(
        label=_("Poverty status"),
        required=False,
        choices=[
            *_blank(_("Any poverty status")),
            *PovertyStatus.choices,
            (MONITORED_FILTER, _("Monitored household")),
        ],
    )
    floating = forms.BooleanField(label=_("Has floating population"), required=False)
    residing = forms.ChoiceField(
        label=_("Lives here (现住)"),
        required=False,
        choices=[
            ("", _("Living here or not")),
            ("yes", _("Living here")),
            ("no", _("Nobody living here")),
        ],
    )
    size = forms.TypedChoiceField(
        label=_("Household size"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any size")), *SIZE_CHOICES],
    )
    land = forms.ChoiceField(
        label=_("Contracted land"),
        required=False,
        choices=[("", _("Any land")), *[(band, LAND_LABELS[band]) for band, _l, _h in LAND_BANDS]],
    )
    living_environment = forms.ChoiceField(
        label=_("Living conditions (人居环境)"),
        required=False,
        choices=[
            ("", _("Any rating")),
            *[(v or "unrated", n) for v, n in LivingEnvironment.choices],
        ],
    )
    skill = forms.CharField(label=_("Member with the skill"), required=False, max_length=20)
    religion = forms.CharField(label=_("Member of the religion"), required=False, max_length=20)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_regions(user, roles=REGISTRY_READERS)


class ResidentFilterForm(RegionChoiceMixin, forms.Form):
    idh = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name or exact ID number")}),
    )
    preset = forms.ChoiceField(
        label=_("Common lists"),
        required=False,
        choices=[
            ("", _("No preset")),
            (PRESET_ABLE_UNEMPLOYED, _("Able to work, 16–60, not employed")),
            (PRESET_DISABLED_OR_TEKUN, _("All disabled or 五保")),
        ],
    )
    village = forms.ModelChoiceField(
        label=_("Village"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All villages"),
    )
    group = forms.ModelChoiceField(
        label=_("Villager group"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All groups"),
    )
    sex = forms.ChoiceField(
        label=_("Sex"), required=False, choices=[*_blank(_("Any sex")), *Sex.choices]
    )
    age_min = forms.IntegerField(label=_("Age from"), required=False, min_value=0, max_value=130)
    age_max = forms.IntegerField(label=_("Age to"), required=False, min_value=0, max_value=130)
    labour_ability = forms.ChoiceField(
        label=_("Labour ability"),
        required=False,
        choices=[*_blank(_("Any labour ability")), *LabourAbility.choices],
    )
    employment = forms.ChoiceField(
        label=_("Employment"),
        required=False,
        choices=[*_blank(_("Any employment")), *Employment.choices],
    )
    health = forms.ChoiceField(label=_("Health"), required=False, choices=HEALTH_FILTER)
    education = forms.ChoiceField(
        label=_("Education"),
        required=False,
        choices=[*_blank(_("Any education")), *Education.choices],
    )
    political_status = forms.ChoiceField(
        label=_("Political status"),
        required=False,
        choices=[*_blank(_("Any political status")), *Political.choices],
    )
    floating = forms.BooleanField(label=_("Floating population only"), required=False)
    presence = forms.ChoiceField(
        label=_("Lives here (现住)"),
        required=False,
        choices=[
            ("", _("Here or away")),
            (Presence.HERE, _("Lives here")),
            (Presence.AWAY, _("Away")),
            *[(f"away:{v}", _("Away: %(reason)s") % {"reason": n}) for v, n in AwayReason.choices],
        ],
    )
    skill = forms.CharField(label=_("Skill"), required=False, max_length=20)
    religion = forms.CharField(label=_("Religion"), required=False, max_length=20)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*ResidentStatus.choices, ("all", _("All statuses"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_regions(user, roles=REGISTRY_READERS)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(_("The lower age must not exceed the upper age."))
        return data


class HouseholdForm(RegionChoiceMixin, forms.ModelForm):
    class Meta:
        model = Household
        fields = [
            "village",
            "group",
            "number",
            "address",
            "poverty_status",
            "is_dibao",
            "is_tekun",
            "land_area_mu",
            "living_environment",
            "motto",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field(self, "village", forms.ModelChoiceField).empty_label = None
        # Only regions where the user keeps the registry are offered.
        self.limit_regions(user, roles=REGISTRY_KEEPERS)
        if self.instance.pk:
            # A household stays in its village; its people move, one by one.
            del self.fields["village"]

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip()


class ResidentForm(forms.ModelForm):
    # The ID number first: it gives sex and birth date, which are not asked for.
    field_order = ["id_number", "name", "relation"]
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        help_text=_("18 characters; the check digit and the birth date are verified."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)

    class Meta:
        model = Resident
        fields = [
            "name",
            "relation",
            "ethnicity",
            "education",
            "health",
            "disability_grade",
            "disability_kind",
            "labour_ability",
            "employment",
            "work_place",
            "political_status",
            "skills",
            "religion",
            "is_floating",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.id_warnings: list[str] = []
        if self.instance.pk:
            # The stored number is never put back into the page; blank keeps it.
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _(
                "Stored: %(masked)s. Leave blank to keep it."
            ) % {"masked": self.instance.masked_id()}
            if self.instance.phone_cipher:
                self.fields["phone"].help_text = _(
                    "Stored: %(masked)s. Leave blank to keep it."
                ) % {"masked": self.instance.masked_phone()}

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_id_number(self) -> str:
        raw = self.cleaned_data.get("id_number", "")
        if not raw and self.instance.pk:
            return ""
        check = validate_id_number(raw)
        self.id_warnings = check.warnings
        return check.number  # whether it is registered already is the service's rule

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone"))


class ResidentMoveForm(forms.Form):
    """The target household, found by a server-side search (a village has hundreds: one
    dropdown of all of them cannot be searched on a phone). Any household the user keeps
    is accepted; the page offers the matches of the search."""

    MATCHES = 20

    household = forms.ModelChoiceField(
        label=_("Move to household"),
        queryset=Household.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": _("Search for the household, then choose it.")},
    )

    def __init__(self, *args, user, resident: Resident, **kwargs):
        super().__init__(*args, **kwargs)
        field(self, "household", forms.ModelChoiceField).queryset = (
            Household.objects.visible_to(user, roles=REGISTRY_KEEPERS)
            .exclude(pk=resident.household_id)
            .select_related("village", "group")
        )

    def matches(self, query: str, *, idh: str = "") -> list[Household]:
        """Households whose number, address or head's name contains the query, or (idh:
        the keyed hash of an ID number typed in the search) the household of that person."""
        households = field(self, "household", forms.ModelChoiceField).queryset
        if not isinstance(households, HouseholdQuerySet):  # set in __init__, from the scope
            raise TypeError("the household field's choices are the user's households")
        qs = households.with_head()
        query = query.strip()
        if idh:
            found = qs.filter(residents__id_hash=idh)
        elif query:
            found = qs.filter(
                Q(number__icontains=query)
                | Q(address__icontains=query)
                | Q(residents__name__contains=query, residents__relation=Relation.HEAD)
            )
        else:
            return []
        return list(found.distinct().order_by("village__code", "number")[: self.MATCHES])


class LifeEventForm(forms.ModelForm):
    class Meta:
        model = LifeEvent
        fields = ["kind", "date", "note"]
        widgets = {"date": DateInput()}

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return date


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Recorded with your name and the time."),
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. verifying a medical insurance claim")}
        ),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 2:
            raise ValidationError(_("Please say why you need to see it."))
        return reason


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    resident = forms.ModelChoiceField(
        label=_("Resident"),
        queryset=Resident.objects.none(),
        required=False,
        empty_label=_("Whole household"),
    )
    file = forms.FileField(label=_("Photo (JPEG or PNG)"))

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        field(self, "resident", forms.ModelChoiceField).queryset = household.residents.all()


class PublicInfoForm(forms.ModelForm):
    """What the public pages say of a village (its slogan, and the representative of
    households without a group) or of a villager group (its representative)."""

    class Meta:
        model = PublicInfo
        fields = ["slogan", "office_phone", "representative_name", "representative_phone"]

    def __init__(self, *args, group: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if group:
            del self.fields["slogan"]
            del self.fields["office_phone"]
