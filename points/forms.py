"""Forms of the points bank's staff pages. A household is typed by its number (the
number on the door plaque) within one of the user's villages."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import field
from common.widgets import DateInput
from households.models import Household, ResidentStatus
from points.models import CoopTerms, Good, HonourKind, PointRule
from villages.forms import limit_to_villages
from villages.models import Level, Region


def user_villages(user, roles) -> list[Region]:
    return list(
        Region.objects.visible_to(user, roles=roles).filter(level=Level.VILLAGE).order_by("code")
    )


class VillageForm(forms.Form):
    """A form in one of the user's villages (the field is left out when there is one)."""

    village = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("Village"))

    def __init__(self, *args, villages: list[Region], **kwargs):
        super().__init__(*args, **kwargs)
        self.villages = villages
        limit_to_villages(field(self, "village", forms.ModelChoiceField), villages)

    def household(self, number: str) -> Household:
        village = self.cleaned_data.get("village")
        found = Household.objects.filter(village=village, number=number.strip()).first()
        if found is None:
            raise ValidationError(
                _("No household with the number %(number)s in %(village)s."),
                params={"number": number.strip()[:20], "village": village},
            )
        return found


class RuleForm(forms.ModelForm):
    class Meta:
        model = PointRule
        fields = ["village", "category", "name", "points", "active"]

    def __init__(self, *args, villages: list[Region], **kwargs):
        super().__init__(*args, **kwargs)
        field(self, "village", forms.ModelChoiceField).queryset = Region.objects.filter(
            pk__in=[v.pk for v in villages]
        )
        if self.instance.pk:
            self.fields["village"].disabled = True  # a rule stays in its village


class EntryForm(forms.Form):
    """One entry for a household (opened from its page): the rule, the member or the
    whole family, when, where and what."""

    rule = forms.ModelChoiceField(queryset=PointRule.objects.none(), label=_("Rule"))
    resident = forms.ChoiceField(label=_("For"), required=False)
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput())
    place = forms.CharField(label=_("Where"), max_length=80)
    description = forms.CharField(label=_("What"), max_length=200)

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        field(self, "rule", forms.ModelChoiceField).queryset = PointRule.objects.filter(
            village_id=household.village_id, active=True
        )
        members = household.residents.filter(status=ResidentStatus.LIVING).order_by("pk")
        field(self, "resident", forms.ChoiceField).choices = [("", _("The whole family"))] + [
            (str(m.pk), m.name) for m in members
        ]
        self.fields["occurred_on"].initial = timezone.localdate()

    def clean_resident(self):
        value = self.cleaned_data.get("resident")
        if not value:
            return None
        return self.household.residents.get(pk=int(value))


class BulkForm(VillageForm):
    rule = forms.ModelChoiceField(queryset=PointRule.objects.none(), label=_("Rule"))
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput())
    place = forms.CharField(label=_("Where"), max_length=80)
    description = forms.CharField(label=_("What"), max_length=200)
    numbers = forms.CharField(
        label=_("Household numbers"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Separate them with spaces, commas or new lines."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field(self, "rule", forms.ModelChoiceField).queryset = PointRule.objects.filter(
            village__in=self.villages, active=True
        ).select_related("village")
        self.fields["occurred_on"].initial = timezone.localdate()

    def clean(self):
        super().clean()
        data = self.cleaned_data
        rule, village = data.get("rule"), data.get("village")
        if rule and village and rule.village_id != village.pk:
            self.add_error("rule", _("This rule belongs to another village's catalogue."))
        data["number_list"] = [n for n in re.split(r"[\s,，、;；]+", data.get("numbers", "")) if n]
        return data


class HouseholdNumberForm(VillageForm):
    """A form about one household of the village, typed by its number (cleaned_data
    gets the household)."""

    number = forms.CharField(label=_("Household number"), max_length=20)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("village") and data.get("number"):
            try:
                data["household"] = self.household(data["number"])
            except ValidationError as exc:
                self.add_error("number", exc)
        return data


class HonourForm(HouseholdNumberForm):
    kind = forms.ChoiceField(label=_("Honour"), choices=HonourKind.choices)
    stars = forms.TypedChoiceField(
        label=_("Stars"),
        choices=[("", "—")] + [(str(n), "★" * n) for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class GoodForm(forms.ModelForm):
    class Meta:
        model = Good
        fields = ["village", "name", "price", "stock", "active"]

    def __init__(self, *args, villages: list[Region], **kwargs):
        super().__init__(*args, **kwargs)
        limit_to_villages(field(self, "village", forms.ModelChoiceField), villages)


class RedeemForm(HouseholdNumberForm):
    good = forms.ModelChoiceField(queryset=Good.objects.none(), label=_("Goods"))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=999, initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field(self, "good", forms.ModelChoiceField).queryset = Good.objects.filter(
            village__in=self.villages, active=True
        ).order_by("name")


class LookupForm(HouseholdNumberForm):
    """Find a household by its number, to record points for it."""


class DiscountForm(HouseholdNumberForm):
    """A purchase at the co-op paid partly with points (积分抵扣)."""

    amount = forms.DecimalField(
        label=_("Purchase (yuan)"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )
    points = forms.IntegerField(label=_("Points used"), min_value=1, max_value=100_000)
    description = forms.CharField(label=_("What was bought"), max_length=100, required=False)


class ProduceBuyForm(forms.Form):
    quantity = forms.DecimalField(
        label=_("Quantity bought"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )
    price = forms.DecimalField(
        label=_("Price a unit (yuan)"), min_value=Decimal("0"), max_digits=10, decimal_places=2
    )


class TermsForm(forms.ModelForm):
    class Meta:
        model = CoopTerms
        fields = ["discount_share", "yuan_per_point"]
