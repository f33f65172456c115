"""Forms of monitoring. Region choices come through visible_to(), like every staff form."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from common.forms import field, label_choices
from common.widgets import DateInput, use_fast_selects
from households.models import MonitoringCategory, Resident, ResidentStatus
from monitoring.comparison import TOPICS
from monitoring.models import (
    PERIOD_RE,
    Cause,
    CheckResult,
    Comparison,
    DataItem,
    Department,
    HouseholdIncome,
    MeasureKind,
    MeasureStatus,
    MonitoringLine,
    PortraitRule,
    RiskLevel,
    RiskRule,
    RuleKind,
    ScreeningSettings,
    Source,
    Stage,
    first_kept_period,
    previous_period,
)
from monitoring.roles import MONITORING_READERS
from villages import people
from villages.models import Level, Region, Role, StaffAssignment


def _any(label):
    return [("", label)]


class QueueFilterForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=_any(_("Any level")) + RiskLevel.choices[:3]
    )
    stage = forms.ChoiceField(
        label=_("Step"),
        required=False,
        choices=_any(_("Open alerts")) + Stage.choices + [("all", _("All alerts"))],
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=_any(_("Any source")) + Source.choices
    )
    cause = forms.ChoiceField(
        label=_("Cause"), required=False, choices=_any(_("Any cause")) + Cause.choices
    )
    township = forms.ModelChoiceField(
        label=_("Township"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All townships"),
    )
    village = forms.ModelChoiceField(
        label=_("Village"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All villages"),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    measures_overdue = forms.BooleanField(label=_("Measures overdue only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.visible_to(user, roles=MONITORING_READERS)
        field(self, "township", forms.ModelChoiceField).queryset = regions.filter(
            level=Level.TOWNSHIP
        )
        field(self, "village", forms.ModelChoiceField).queryset = regions.filter(
            level=Level.VILLAGE
        )
        use_fast_selects(self)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=get_user_model().objects.none(), empty_label=None
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        # cadres of the villages of the alerts on the page
        field(self, "assignee", forms.ModelChoiceField).queryset = (
            get_user_model()
            .objects.filter(
                is_active=True,
                assignments__role=Role.VILLAGE_CADRE,
                assignments__region__in=villages,
            )
            .distinct()
            .order_by("first_name", "username")
            .prefetch_related(
                Prefetch("assignments", StaffAssignment.objects.select_related("region"))
            )
        )
        label_choices(self, "assignee", people.label)


YES_NO = [("", _("Not checked")), ("yes", _("Yes")), ("no", _("No"))]


class VerifyForm(forms.Form):
    visit_date = forms.DateField(label=_("Visit date"), widget=DateInput())
    findings = forms.CharField(label=_("Findings"), max_length=500, widget=forms.Textarea)
    income_estimate = forms.DecimalField(
        label=_("Estimated per-capita net income (yuan a year)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
    )
    # what the visit found on the department comparison's topics (monitoring.comparison)
    medical_costs = forms.DecimalField(
        label=_("Out-of-pocket medical costs, last 12 months (yuan)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    dibao = forms.ChoiceField(label=_("Receives 低保"), choices=YES_NO, required=False)
    disability = forms.ChoiceField(
        label=_("A member with a disability"), choices=YES_NO, required=False
    )
    employed = forms.ChoiceField(
        label=_("Someone in the household in work"), choices=YES_NO, required=False
    )
    recommendation = forms.ChoiceField(
        label=_("Recommendation"),
        widget=forms.RadioSelect,
        choices=[("enrol", _("At risk: to the appraisal")), ("dismiss", _("Not at risk"))],
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"visit_date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ExplainForm(forms.Form):
    """The village's explanation of one difference the department comparison marks."""

    topic = forms.ChoiceField(choices=[(t, t) for t in TOPICS], widget=forms.HiddenInput)
    text = forms.CharField(label=_("Why the findings differ"), max_length=500)


class AppraiseForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    attendees = forms.IntegerField(label=_("Attendees"), min_value=1, max_value=1000)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        widget=forms.RadioSelect,
        choices=[("agree", _("Agreed: start the public notice")), ("disagree", _("Not agreed"))],
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class NoticeForm(forms.Form):
    objections = forms.CharField(
        label=_("Objections raised during the notice"), max_length=500, required=False
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("approve", _("Approve: to the county")),
            ("return", _("Return to the village")),
            ("dismiss", _("Dismiss")),
        ],
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[("enrol", _("Enrol as monitored household")), ("dismiss", _("Dismiss"))],
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", "---------"), *MonitoringCategory.choices[1:]],
    )
    causes = forms.MultipleChoiceField(
        label=_("Causes"),
        required=False,
        choices=Cause.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    sudden_amount = forms.DecimalField(
        label=_("Sudden expense or loss (yuan)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("For a sudden severe hardship: what the illness, disaster or accident cost."),
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Members enrolled"),
        queryset=Resident.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        living = (
            Resident.objects.filter(household=household, status=ResidentStatus.LIVING)
            if household is not None
            else Resident.objects.none()
        )
        members = field(self, "members", forms.ModelMultipleChoiceField)
        members.queryset = living.order_by("pk")
        members.initial = list(living.values_list("pk", flat=True))
        label_choices(self, "members", lambda r: f"{r.name}（{r.get_relation_display()}）")


STEP_FORMS = {
    "verify": VerifyForm,
    "appraise": AppraiseForm,
    "end_notice": NoticeForm,
    "review": ReviewForm,
    "decide": DecideForm,
}


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeasureKind.choices)
    description = forms.CharField(label=_("Description"), max_length=300)
    responsible = forms.CharField(label=_("Responsible person"), max_length=50)
    start = forms.DateField(label=_("Start"), widget=DateInput())
    expected_effect = forms.CharField(
        label=_("Expected effect"),
        max_length=200,
        required=False,
        help_text=_("For example: a job for the son from March, 2,400 yuan a month."),
    )


class PairForm(forms.Form):
    """The township names the cadre responsible for a household at risk."""

    cadre = forms.ModelChoiceField(label=_("Paired cadre"), queryset=Resident.objects.none())

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        field(self, "cadre", forms.ModelChoiceField).queryset = candidates
        label_choices(self, "cadre", people.label)


class MeasureUpdateForm(forms.Form):
    """The responsible person's report on a measure: its state on a date, the outcome."""

    status = forms.ChoiceField(label=_("State"), choices=MeasureStatus.choices)
    on = forms.DateField(label=_("Date"), widget=DateInput())
    outcome = forms.CharField(
        label=pgettext_lazy("measure", "Outcome"),
        max_length=300,
        required=False,
        help_text=_("Needed once it is done or stopped."),
    )


class PeriodForm(forms.Form):
    """A month as YYYY-MM, last month by default (the one departments deliver)."""

    period = forms.RegexField(
        label=_("Period"),
        regex=PERIOD_RE,
        max_length=7,
        error_messages={"invalid": _("Enter a month as YYYY-MM, e.g. 2026-10.")},
        widget=forms.TextInput(attrs={"placeholder": "2026-10", "inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"period": previous_period(timezone.localdate())})
        super().__init__(*args, **kwargs)


def _kept(period: str) -> str:
    """The period, unless its feed values would be past their retention."""
    first = first_kept_period()
    if period < first:
        raise forms.ValidationError(
            _("Department data before %(month)s are no longer kept."), params={"month": first}
        )
    return period


class FeedUploadForm(PeriodForm):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), empty_label=None
    )
    file = forms.FileField(label=_("File (.csv or .xlsx)"))

    def clean_period(self) -> str:
        return _kept(self.cleaned_data["period"])

    field_order = ["department", "period", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_choices(self, "department", lambda d: f"{d.code} {d.name}")
        use_fast_selects(self)


class RiskRuleForm(forms.ModelForm):
    class Meta:
        model = RiskRule
        fields = ["kind", "item", "comparison", "threshold", "weight", "cause", "label", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field(self, "item", forms.ModelChoiceField).queryset = DataItem.objects.filter(
            active=True
        ).order_by("code")
        self.fields["item"].required = False
        self.fields["weight"].validators.append(MaxValueValidator(100))
        use_fast_selects(self)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("kind") == RuleKind.ITEM and not data.get("item"):
            self.add_error("item", _("Choose the data item this rule reads."))
        if data.get("kind") == RuleKind.INCOME:
            data["item"] = None
            if data.get("comparison") not in (Comparison.LT, Comparison.LTE):
                self.add_error("comparison", _("Income rules compare with “<” or “≤”."))
        return data


class MonitoringLineForm(forms.ModelForm):
    class Meta:
        model = MonitoringLine
        fields = ["year", "amount"]

    def validate_unique(self):
        pass  # a year already set is updated (monitoring.views.rules)


class ScreeningSettingsForm(forms.ModelForm):
    class Meta:
        model = ScreeningSettings
        fields = [
            "high_score",
            "medium_score",
            "low_score",
            "alert_level",
            "verify_days",
            "appraise_days",
            "notice_days",
            "township_days",
            "county_days",
            "measure_days",
        ]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        high, medium, low = (data.get(k) for k in ("high_score", "medium_score", "low_score"))
        if (
            high is not None
            and medium is not None
            and low is not None
            and not high > medium > low > 0
        ):
            raise forms.ValidationError(_("The bands must rise: low < medium < high, above 0."))
        return data


class DataItemForm(forms.ModelForm):
    """A new item: its code is given once. An item in use keeps its code (the edit form
    does not offer it)."""

    class Meta:
        model = DataItem
        fields = ["code", "department", "name", "unit", "type", "meaning_zh", "meaning", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["code"]
            del self.fields["department"]
            del self.fields["type"]
        use_fast_selects(self)

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def clean(self):
        # the department as its field cleaned it (the raw POST value is anyone's text)
        super().clean()
        cleaned = self.cleaned_data
        code, dept = cleaned.get("code"), cleaned.get("department")
        if code and dept is not None and not code.startswith(dept.code):
            self.add_error(
                "code",
                _("A code of %(department)s starts with %(code)s.")
                % {"department": dept.name, "code": dept.code},
            )
        return cleaned


#: a 明白卡's amounts: incomes by source, then the large expenses (yuan, never negative)
INCOME_AMOUNTS = [
    "wages",
    "business",
    "property_income",
    "transfers",
    "medical",
    "education",
    "disaster",
]


class IncomeForm(forms.ModelForm):
    """A household's 明白卡 of a year: income by source, large expenses, members."""

    class Meta:
        model = HouseholdIncome
        fields = ["year", *INCOME_AMOUNTS, "members"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].validators.append(MaxValueValidator(this_year))
        for name in INCOME_AMOUNTS:
            amount = field(self, name, forms.DecimalField)
            # min_value set after the field is made adds no validator by itself
            amount.min_value = 0
            amount.validators.append(MinValueValidator(0))
            amount.widget.attrs.update({"min": "0", "step": "0.01"})

    def validate_unique(self):
        pass  # a year already entered is updated (monitoring.services.income_save)


class EliminationForm(forms.Form):
    note = forms.CharField(label=_("Why the risk is gone"), max_length=500, widget=forms.Textarea)


def _quarters() -> list[tuple[str, str]]:
    today = timezone.localdate()
    found = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _i in range(8):
        label = gettext("Quarter %(quarter)d of %(year)d") % {"quarter": quarter, "year": year}
        found.append((f"{year}-Q{quarter}", label))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return found


class CampaignForm(forms.Form):
    DISMISSED, ELIMINATED = "dismissed", "eliminated"
    name = forms.CharField(label=_("Name"), max_length=100)
    pick = forms.ChoiceField(
        label=_("Households to re-check"),
        widget=forms.RadioSelect,
        choices=[
            (DISMISSED, _("Every household whose alert was dismissed in the quarter")),
            (ELIMINATED, _("Every household whose risk was eliminated in the quarter")),
        ],
    )
    quarter = forms.ChoiceField(label=_("Quarter"), choices=_quarters)


class ScreeningRunForm(PeriodForm):
    def clean_period(self) -> str:
        period = self.cleaned_data["period"]
        if period > f"{timezone.localdate():%Y-%m}":
            raise forms.ValidationError(_("A month still to come has no data to screen."))
        return _kept(period)


# --- The method (issue 24, items 5–7) ---------------------------------------------------


class PortraitRuleForm(forms.ModelForm):
    class Meta:
        model = PortraitRule
        fields = ["kind", "colour", "threshold", "share", "active"]
        help_texts = {
            "threshold": _("At least this many; for verifications on time, below this %."),
            "share": _("Only for “many alerts, few enrolled”."),
        }


class RevisitForm(forms.Form):
    note = forms.CharField(label=_("What the visit found"), max_length=300, required=False)


class CheckCampaignForm(forms.Form):
    name = forms.CharField(label=_("Campaign name"), max_length=100)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput())
    sample_share = forms.IntegerField(
        label=_("County sample (percent of high-risk households)"),
        min_value=1,
        max_value=100,
        initial=10,
    )

    def clean(self):
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return data


class CheckMarkForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=CheckResult.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("What was found"), max_length=300, required=False)

    def clean(self):
        data = super().clean() or {}
        if data.get("result") == CheckResult.CONCERN and not data.get("note", "").strip():
            self.add_error("note", _("Say what risk the check found."))
        return data


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    attendees = forms.CharField(label=_("Who attended"), max_length=300)
    minutes = forms.CharField(label=_("Minutes"), max_length=4000, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class LookBackForm(forms.Form):
    still_at_risk = forms.ChoiceField(
        label=_("Still at risk?"), choices=YES_NO[1:], widget=forms.RadioSelect
    )
    measures_working = forms.ChoiceField(
        label=_("Measures working?"), choices=YES_NO[1:], widget=forms.RadioSelect
    )
    ready = forms.ChoiceField(
        label=_("Ready for risk elimination?"), choices=YES_NO[1:], widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            "still_at_risk": data["still_at_risk"] == "yes",
            "measures_working": data["measures_working"] == "yes",
            "ready": data["ready"] == "yes",
            "note": data["note"],
        }
