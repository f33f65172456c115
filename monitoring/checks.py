"""三级排查 (issue 24, item 6): a check campaign of the county for a period. The village
checks all its households (村级查所有农户), each township its key households (镇级查重点农户:
monitored, with an open alert, or near the line), the county a random sample of the
high-risk ones (县级抽查高风险农户) whose draw anyone can repeat from the campaign's seed.
A check that finds a risk raises an alert (source: three-level check).

High-risk households, for the county's sample: the latest screening scored them high, or
they have an open alert of high level. The sample is `sample_share` % of them (at least
one when there are any), drawn by random.Random(seed) from their ids in order.
"""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.masking import mask_id_numbers
from households.models import Household
from monitoring import services
from monitoring.models import (
    Alert,
    Assessment,
    CheckCampaign,
    CheckLevel,
    CheckMark,
    CheckResult,
    CheckTarget,
    HouseholdIncome,
    Monitored,
    MonitoringLine,
    RiskLevel,
    ScreeningSettings,
    Source,
)
from monitoring.roles import COUNTY_STEPS, TOWNSHIP_STEPS, VILLAGE_STEPS, VISIT_FLAGGERS
from villages.models import Level, Region
from villages.scoping import has_role_at, require_role_at

# who checks at each level, at the region the household sits in
CHECKERS: dict[str, frozenset[str]] = {
    CheckLevel.VILLAGE: VISIT_FLAGGERS | VILLAGE_STEPS,
    CheckLevel.TOWNSHIP: TOWNSHIP_STEPS,
    CheckLevel.COUNTY: COUNTY_STEPS,
}


def households_of(county: Region):
    return Household.objects.filter(village__code__startswith=county.code)


def near_line(households) -> set[int]:
    """Households whose latest income (明白卡) is at most the county's factor times the
    line of its year."""
    latest = HouseholdIncome.objects.filter(household__in=households).values("household_id")
    latest = latest.annotate(year=Max("year"))
    lines = dict(MonitoringLine.objects.values_list("year", "amount"))
    factor = ScreeningSettings.current().marginal_factor
    wanted = {(r["household_id"], r["year"]) for r in latest}
    found = set()
    for income in HouseholdIncome.objects.filter(
        household_id__in={h for h, _y in wanted}
    ).iterator():
        if (income.household_id, income.year) not in wanted or income.year not in lines:
            continue
        if income.per_capita_net <= (lines[income.year] * factor).quantize(Decimal("0.01")):
            found.add(income.household_id)
    return found


def key_households(county: Region) -> dict[int, str]:
    """The townships' key list: {household id: why} (monitored, open alert, near line)."""
    households = households_of(county)
    key: dict[int, str] = {}
    for h in near_line(households):
        key[h] = "near_line"
    for h in (
        Alert.objects.open().filter(household__in=households).values_list("household_id", flat=True)
    ):
        key[h] = "alert"
    for h in (
        Monitored.objects.current()
        .filter(household__in=households)
        .values_list("household_id", flat=True)
    ):
        key[h] = "monitored"
    return key


def high_risk(county: Region) -> list[int]:
    """High-risk households of the county, in id order (the order the sample draws from)."""
    households = households_of(county)
    latest = (
        Assessment.objects.filter(household__in=households)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    ids = set(
        Alert.objects.open()
        .filter(household__in=households, level=RiskLevel.HIGH)
        .values_list("household_id", flat=True)
    )
    if latest:
        ids |= set(
            Assessment.objects.filter(
                household__in=households, period=latest, level=RiskLevel.HIGH
            ).values_list("household_id", flat=True)
        )
    return sorted(ids)


def draw_sample(population: list[int], share: int, seed: str) -> list[int]:
    """The county's sample: `share` % of the population (at least one), the same for the
    same seed and population."""
    if not population:
        return []
    size = min(len(population), max(1, math.ceil(len(population) * share / 100)))
    # a reproducible draw, not a secret: anyone with the seed draws it again
    return sorted(random.Random(seed).sample(sorted(population), size))  # noqa: S311


def start(*, user, county: Region, name: str, starts_on, ends_on, sample_share: int):
    """Start a campaign: the township's key list and the county's sample are fixed now."""
    require_role_at(user, COUNTY_STEPS, county.code)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})
    if not 1 <= sample_share <= 100:
        raise ValidationError({"sample_share": _("The sample is 1 to 100 %.")})
    with transaction.atomic():
        campaign = CheckCampaign.objects.create(
            county=county,
            name=name.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            sample_share=sample_share,
            seed=secrets.token_hex(8),
            created_by=user,
        )
        CheckTarget.objects.bulk_create(
            CheckTarget(campaign=campaign, level=CheckLevel.TOWNSHIP, household_id=h, why=why)
            for h, why in sorted(key_households(county).items())
        )
        CheckTarget.objects.bulk_create(
            CheckTarget(campaign=campaign, level=CheckLevel.COUNTY, household_id=h, why="high")
            for h in draw_sample(high_risk(county), sample_share, campaign.seed)
        )
    return campaign


def to_check(campaign: CheckCampaign, level: str):
    """The households of a level: every household of the county for the villages, the
    fixed lists for the township and the county."""
    if level == CheckLevel.VILLAGE:
        return households_of(campaign.county)
    return Household.objects.filter(
        pk__in=CheckTarget.objects.filter(campaign=campaign, level=level).values("household_id")
    )


def mark(
    *,
    campaign: CheckCampaign,
    level: str,
    household: Household,
    user,
    result: str,
    note: str = "",
    causes=(),
) -> CheckMark:
    """Record a household checked at a level; a risk found raises an alert for its village
    to verify (joined to the household's open alert if it has one)."""
    if not has_role_at(user, CHECKERS.get(level, frozenset()), household.village.code):
        raise PermissionDenied
    today = timezone.localdate()
    if not campaign.is_running(today):
        raise ValidationError(
            _("The campaign runs from %(start)s to %(end)s.")
            % {
                "start": campaign.starts_on,
                "end": campaign.ends_on,
            }
        )
    if not to_check(campaign, level).filter(pk=household.pk).exists():
        raise ValidationError(_("This household is not on this level's list."))
    if result not in CheckResult.values:
        raise ValidationError({"result": _("Choose what the check found.")})
    note = mask_id_numbers(note.strip())[:300]
    if result == CheckResult.CONCERN and not note:
        raise ValidationError({"note": _("Say what risk the check found.")})
    with transaction.atomic():
        try:
            with transaction.atomic():
                check = CheckMark.objects.create(
                    campaign=campaign,
                    level=level,
                    household=household,
                    result=result,
                    note=note,
                    checked_on=today,
                    by=user,
                )
        except IntegrityError:
            raise ValidationError(_("This household is already checked at this level.")) from None
        if result == CheckResult.CONCERN:
            reason = {
                "label": _("Found in the check %(name)s: %(note)s")
                % {"name": campaign.name, "note": note[:200]},
                "type": "flag",
            }
            check.alert, _new = services.alert_raise(
                household=household,
                source=Source.CHECK,
                user=user,
                reasons=[reason],
                causes=causes,
                note=note,
            )
            check.save(update_fields=["alert"])
    return check


@dataclass
class Cell:
    total: int = 0
    done: int = 0
    concerns: int = 0

    def add(self, other: Cell) -> None:
        self.total += other.total
        self.done += other.done
        self.concerns += other.concerns


@dataclass
class Progress:
    """A region's progress: one cell a level (village, township, county), its villages'
    rows under a township."""

    region: Region
    cells: list[Cell] = field(default_factory=lambda: [Cell() for _level in CheckLevel.values])
    villages: list[Progress] = field(default_factory=list)


def progress(campaign: CheckCampaign, villages) -> list[Progress]:
    """Per township with its villages, per level: households to check, checked, risks
    found (four grouped queries), for the villages given (already scoped)."""
    village_list = list(villages.select_related("parent").order_by("code"))
    ids = [v.pk for v in village_list]
    levels = list(CheckLevel.values)
    totals: dict[str, dict[int, int]] = {
        CheckLevel.VILLAGE: dict(
            Household.objects.filter(village_id__in=ids)
            .values_list("village_id")
            .annotate(n=Count("pk"))
        )
    }
    for level in (CheckLevel.TOWNSHIP, CheckLevel.COUNTY):
        totals[level] = dict(
            CheckTarget.objects.filter(
                campaign=campaign, level=level, household__village_id__in=ids
            )
            .values_list("household__village_id")
            .annotate(n=Count("pk"))
        )
    marks: dict[tuple[str, int], tuple[int, int]] = {}
    for level, vid, n, concerns in (
        CheckMark.objects.filter(campaign=campaign, household__village_id__in=ids)
        .values_list("level", "household__village_id")
        .annotate(n=Count("pk"), concerns=Count("pk", filter=Q(result=CheckResult.CONCERN)))
    ):
        marks[(level, vid)] = (n, concerns)
    townships: dict[int, Progress] = {}
    for village in village_list:
        if village.parent is None or village.parent.level != Level.TOWNSHIP:
            continue
        row = Progress(village)
        for i, name in enumerate(levels):
            done, concerns = marks.get((name, village.pk), (0, 0))
            row.cells[i] = Cell(totals[name].get(village.pk, 0), done, concerns)
        township = townships.setdefault(village.parent_id, Progress(village.parent))
        township.villages.append(row)
        for total, cell in zip(township.cells, row.cells, strict=True):
            total.add(cell)
    return sorted(townships.values(), key=lambda p: p.region.code)
