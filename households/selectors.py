"""Reads of the registry that cross relations or are reused. All start from visible_to()."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar, cast

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Count, Exists, Func, OuterRef, Q, QuerySet, TextField
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.charts import bar_chart
from households.idnumbers import id_hash, normalize
from households.masking import mask
from households.models import (
    ABLE_TO_WORK,
    AwayReason,
    Education,
    Employment,
    Health,
    Household,
    HouseholdQuerySet,
    Inflow,
    LabourAbility,
    LivingEnvironment,
    Political,
    PovertyStatus,
    Presence,
    Resident,
    ResidentQuerySet,
    ResidentStatus,
    _years_before,
    today_local,
)

RQ = TypeVar("RQ", bound=QuerySet[Resident])  # a queryset of residents, kept as its class


def looks_like_id_number(text: str) -> bool:
    value = normalize(text)
    return len(value) == 18 and value[:17].isdigit()


def name_grams(text: str) -> list[str]:
    """The pieces of a search term the name index holds (migration 0007): the term itself
    when it has one or two characters, else its bigrams."""
    if len(text) <= 2:
        return [text]
    return sorted({text[i : i + 2] for i in range(len(text) - 1)})


class NameGrams(Func):
    function = "portal_name_grams"
    output_field = ArrayField(TextField())


def residents_matching_text(qs: RQ, text: str) -> RQ:
    """Name contains the text, or the ID number equals it exactly (through the keyed hash)."""
    text = text.strip()
    if looks_like_id_number(text):
        return qs.filter(id_hash=id_hash(text))
    qs = qs.filter(name__contains=text)
    if connection.vendor == "postgresql":
        # the same condition, answered from the gram index instead of a scan
        qs = qs.alias(name_grams=NameGrams("name")).filter(name_grams__contains=name_grams(text))
    return qs


def _living_members(**conditions) -> Q:
    """Households with a living member matching: a semi-join (IN), which the planner runs
    once over the resident index, not a correlated EXISTS per household."""
    members = Resident.objects.filter(status=ResidentStatus.LIVING, **conditions)
    return Q(pk__in=members.values("household_id"))


#: the poverty-status filter's choice for households under monitoring
MONITORED_FILTER = "monitored"


def filter_households(qs: HouseholdQuerySet, data: dict) -> HouseholdQuerySet:
    """Apply the household list filters (cleaned data of HouseholdFilterForm)."""
    if data.get("village"):
        qs = qs.filter(village=data["village"])
    if data.get("group"):
        qs = qs.filter(group=data["group"])
    status = data.get("poverty_status")
    if status == MONITORED_FILTER:  # the mirror of monitoring's enrolments
        qs = qs.exclude(monitoring_category="")
    elif status:
        qs = qs.filter(poverty_status=status)
    support = data.get("support")
    if support == "dibao":
        qs = qs.filter(is_dibao=True)
    elif support == "tekun":
        qs = qs.filter(is_tekun=True)
    elif support == "either":
        qs = qs.filter(Q(is_dibao=True) | Q(is_tekun=True))
    # Member conditions: households with at least one living member matching.
    if data.get("labour_ability"):
        qs = qs.filter(_living_members(labour_ability=data["labour_ability"]))
    if data.get("employment"):
        qs = qs.filter(_living_members(employment=data["employment"]))
    health = data.get("health")
    if health == "disabled":
        qs = qs.filter(_living_members(disability_grade__gt=0))
    elif health:
        qs = qs.filter(_living_members(health=health))
    if data.get("floating"):
        qs = qs.filter(_living_members(is_floating=True))
    qs = _filter_registry_facts(qs, data)
    text = (data.get("q") or "").strip()
    if data.get("idh"):
        qs = qs.filter(
            Exists(Resident.objects.filter(household=OuterRef("pk"), id_hash=data["idh"]))
        )
    if text:
        matches = residents_matching_text(Resident.objects.all(), text)
        qs = qs.filter(
            Q(pk__in=matches.values("household_id")) | Q(number=text) | Q(address__contains=text)
        )
    return qs


def _filter_registry_facts(qs: HouseholdQuerySet, data: dict) -> HouseholdQuerySet:
    """现住, household size, land, living conditions, a member's skill or religion."""
    residing = data.get("residing")
    if residing == "yes":
        qs = qs.filter(_residing())
    elif residing == "no":
        qs = qs.exclude(_residing())
    size = data.get("size")
    if size:
        # a semi-join on the households with that many living members (grouped once)
        sized = (
            Resident.objects.filter(status=ResidentStatus.LIVING)
            .values("household_id")
            .annotate(n=Count("pk"))
        )
        last = size == HOUSEHOLD_SIZES[-1]
        sized = sized.filter(n__gte=size) if last else sized.filter(n=size)
        qs = qs.filter(pk__in=sized.values("household_id"))
    band = {b: (low, high) for b, low, high in LAND_BANDS}.get(data.get("land") or "")
    if band:
        qs = qs.filter(_land_band(*band))
    rating = data.get("living_environment")
    if rating:
        qs = qs.filter(living_environment="" if rating == "unrated" else rating)
    if skill := (data.get("skill") or "").strip():
        qs = qs.filter(_living_members(skills__contains=skill))
    if religion := (data.get("religion") or "").strip():
        qs = qs.filter(_living_members(religion=religion))
    return qs


PRESET_ABLE_UNEMPLOYED = "able_unemployed"
PRESET_DISABLED_OR_TEKUN = "disabled_or_tekun"


def filter_residents(qs: ResidentQuerySet, data: dict, today=None) -> ResidentQuerySet:
    """Apply the resident list filters (cleaned data of ResidentFilterForm)."""
    status = data.get("status") or ResidentStatus.LIVING
    if status != "all":
        qs = qs.filter(status=status)
    preset = data.get("preset")
    if preset == PRESET_ABLE_UNEMPLOYED:
        # "Able-bodied, 16-60, not employed": who the employment drive should call on.
        qs = qs.filter(
            labour_ability__in=ABLE_TO_WORK, employment=Employment.UNEMPLOYED
        ).aged_between(16, 60, today)
    elif preset == PRESET_DISABLED_OR_TEKUN:
        qs = qs.filter(Q(disability_grade__gt=0) | Q(household__is_tekun=True))
    if data.get("village"):
        qs = qs.filter(household__village=data["village"])
    if data.get("group"):
        qs = qs.filter(household__group=data["group"])
    for name in ("sex", "labour_ability", "employment", "education", "political_status"):
        if data.get(name):
            qs = qs.filter(**{name: data[name]})
    health = data.get("health")
    if health == "disabled":
        qs = qs.filter(disability_grade__gt=0)
    elif health:
        qs = qs.filter(health=health)
    if data.get("floating"):
        qs = qs.filter(is_floating=True)
    presence = data.get("presence") or ""
    if presence.startswith("away:"):
        qs = qs.filter(presence=Presence.AWAY, away_reason=presence[5:])
    elif presence:
        qs = qs.filter(presence=presence)
    if skill := (data.get("skill") or "").strip():
        qs = qs.filter(skills__contains=skill)
    if religion := (data.get("religion") or "").strip():
        qs = qs.filter(religion=religion)
    if data.get("age_min") is not None or data.get("age_max") is not None:
        qs = qs.aged_between(data.get("age_min"), data.get("age_max"), today)
    if data.get("idh"):
        qs = qs.filter(id_hash=data["idh"])
    text = (data.get("q") or "").strip()
    if text:
        qs = residents_matching_text(qs, text)
    return qs


# --- Region overview (staff home) -------------------------------------------------------

AGE_GROUPS = [
    (_("0–5"), 0, 5),
    (_("6–15"), 6, 15),
    (_("16–35"), 16, 35),
    (_("36–60"), 36, 60),
    (_("61–79"), 61, 79),
    (_("80 and over"), 80, None),
]


def _resident_aggregates(today) -> dict:
    """Every figure of the residents' side, as FILTERed counts: one pass over the rows."""
    aggregates = {
        "residents": Count("pk"),
        "disabled": Count("pk", filter=Q(disability_grade__gt=0)),
        "migrant": Count("pk", filter=Q(employment=Employment.MIGRANT)),
        "able": Count("pk", filter=Q(labour_ability__in=ABLE_TO_WORK)),
        "floating": Count("pk", filter=Q(is_floating=True)),
        # the living members of monitored households: every count of them gives its people
        "monitored_people": Count("pk", filter=~Q(household__monitoring_category="")),
        # 现住: registered residents who actually live here, and those away, by reason
        "present": Count("pk", filter=Q(presence=Presence.HERE)),
        "skilled": Count("pk", filter=~Q(skills="")),
        "religious": Count("pk", filter=~Q(religion="")),
    }
    for reason in AwayReason.values:
        aggregates[f"away:{reason}"] = Count(
            "pk", filter=Q(presence=Presence.AWAY, away_reason=reason)
        )
    for index, (_label, low, high) in enumerate(AGE_GROUPS):
        cond = Q(birth_date__lte=_years_before(today, low))
        if high is not None:
            cond &= Q(birth_date__gt=_years_before(today, high + 1))
        aggregates[f"age{index}"] = Count("pk", filter=cond)
    for field, choices in CHART_FIELDS:
        for value, _name in choices:
            aggregates[f"{field}:{value}"] = Count("pk", filter=Q(**{field: value}))
    return aggregates


CHART_FIELDS: list[tuple[str, Sequence[tuple[object, object]]]] = [
    ("education", Education.choices),
    ("health", Health.choices),
    ("disability_grade", [(g, "") for g in range(1, 5)]),
    ("labour_ability", LabourAbility.choices),
    ("political_status", Political.choices),
]

#: contracted land (mu): the land chart's bands, [low, high)
LAND_BANDS: list[tuple[str, Decimal | None, Decimal | None]] = [
    ("0", None, Decimal("0.01")),
    ("0-2", Decimal("0.01"), Decimal(2)),
    ("2-5", Decimal(2), Decimal(5)),
    ("5-10", Decimal(5), Decimal(10)),
    ("10+", Decimal(10), None),
]
#: household sizes (living registered members) the chart groups, the last one "and more"
HOUSEHOLD_SIZES = [1, 2, 3, 4, 5, 6]
#: the skills and religions shown by name on the overview (the rest are "others")
TOP_NAMES = 8


def _land_band(low, high) -> Q:
    q = Q(land_area_mu__isnull=False) if low is not None else Q(land_area_mu__isnull=True)
    if low is not None:
        q &= Q(land_area_mu__gte=low)
    if high is not None:
        q = (q & Q(land_area_mu__lt=high)) if low is not None else (q | Q(land_area_mu__lt=high))
    return q


def _residing() -> Q:
    """现住户: a living registered member who lives here, or someone registered
    elsewhere living with the household."""
    return Q(
        Exists(
            Resident.objects.filter(
                household=OuterRef("pk"), status=ResidentStatus.LIVING, presence=Presence.HERE
            )
        )
    ) | Q(Exists(Inflow.objects.filter(household=OuterRef("pk"), left_on__isnull=True)))


HOUSEHOLD_AGGREGATES = {
    "households": Count("pk"),
    "dibao": Count("pk", filter=Q(is_dibao=True)),
    "tekun": Count("pk", filter=Q(is_tekun=True)),
    "lifted": Count("pk", filter=Q(poverty_status=PovertyStatus.LIFTED)),
    "monitored": Count("pk", filter=~Q(monitoring_category="")),
    "general": Count("pk", filter=Q(poverty_status=PovertyStatus.NONE)),
    **{
        f"living_environment:{value}": Count("pk", filter=Q(living_environment=value))
        for value, _name in LivingEnvironment.choices
    },
    **{f"land:{band}": Count("pk", filter=_land_band(low, high)) for band, low, high in LAND_BANDS},
}


def _household_aggregates() -> dict:
    # the residing count's subqueries are made per call (OuterRef needs a fresh query)
    return {**HOUSEHOLD_AGGREGATES, "residing": Count("pk", filter=_residing())}


def village_counts(village_ids: list[int] | None, today=None) -> dict[int, dict[str, int]]:
    """The overview figures per village, in two grouped queries (residents, households);
    all villages with None."""
    today = today or today_local()
    residents = Resident.objects.filter(status=ResidentStatus.LIVING)
    households = Household.objects.all()
    if village_ids is not None:
        residents = residents.filter(household__village_id__in=village_ids)
        households = households.filter(village_id__in=village_ids)
    counts: dict[int, dict[str, int]] = {}
    rows = residents.values("household__village_id").annotate(**_resident_aggregates(today))
    for row in rows.order_by():
        values = cast(dict[str, int], dict(row))
        counts[values.pop("household__village_id")] = values
    for village_row in (
        households.values("village_id").annotate(**_household_aggregates()).order_by()
    ):
        figures = cast(dict[str, int], dict(village_row))
        counts.setdefault(figures.pop("village_id"), {}).update(figures)
    _add_sizes_and_names(counts, residents, households)
    inflows = Inflow.objects.filter(left_on__isnull=True)
    if village_ids is not None:
        inflows = inflows.filter(village_id__in=village_ids)
    for village_id, n in inflows.values_list("village_id").annotate(n=Count("pk")).order_by():
        counts.setdefault(village_id, {})["inflow"] = n
    return counts


def _add_sizes_and_names(counts: dict[int, dict[str, int]], residents, households) -> None:
    """Household sizes (living members), and the skills and religions named (counts
    only, for staff: DESIGN §5 keeps religion off every public page), per village."""
    sizes = (
        households.annotate(n=Count("residents", filter=Q(residents__status=ResidentStatus.LIVING)))
        .values_list("village_id", "n")
        .order_by()
    )
    for village_id, n in sizes:
        if n:
            key = f"size:{min(n, HOUSEHOLD_SIZES[-1])}"
            figures = counts.setdefault(village_id, {})
            figures[key] = figures.get(key, 0) + 1
    named: dict[int, Counter[str]] = defaultdict(Counter)
    # one pass over the people with a skill or a religion recorded (skills are free text,
    # split here)
    for village_id, skills, religion, n in (
        residents.exclude(skills="", religion="")
        .values_list("household__village_id", "skills", "religion")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        for skill in {part.strip() for part in SKILL_SEPARATORS.split(skills) if part.strip()}:
            named[village_id][f"skill:{skill[:20]}"] += n
        if religion.strip():
            named[village_id][f"religion:{religion.strip()[:20]}"] += n
    for village_id, counter in named.items():
        counts.setdefault(village_id, {}).update(counter)


#: how people list their skills: 电工、木工 / 电工,木工 / 电工 木工
SKILL_SEPARATORS = re.compile(r"[、,，;；/\s]+")


def overview_of(counts: dict[str, int], computed_at=None, today=None) -> dict:
    """Headline counts and population-structure charts from summed village figures, in the
    language of the request."""
    headline = defaultdict(int, counts)

    def by_choice(field, choices):
        return [(label, headline[f"{field}:{value}"]) for value, label in choices]

    # Health and disability are two charts: a person has both, so one bar set would add
    # up to more than the residents it is drawn against.
    disability_pairs: list[tuple[str | Promise, int]] = [
        (_("No disability"), headline["residents"] - headline["disabled"])
    ]
    disability_pairs += [
        (str(_("Disability grade %(grade)d")) % {"grade": g}, headline[f"disability_grade:{g}"])
        for g in range(1, 5)
    ]
    charts = [
        bar_chart(
            _("Age groups"),
            [(label, headline[f"age{i}"]) for i, (label, _l, _h) in enumerate(AGE_GROUPS)],
        ),
        bar_chart(_("Education"), by_choice("education", Education.choices)),
        bar_chart(_("Health"), by_choice("health", Health.choices), of=headline["residents"]),
        bar_chart(_("Disability"), disability_pairs, of=headline["residents"]),
        bar_chart(_("Labour ability"), by_choice("labour_ability", LabourAbility.choices)),
        bar_chart(_("Political status"), by_choice("political_status", Political.choices)),
        bar_chart(
            _("Poverty status"),
            [
                (_("General household"), headline["general"]),
                (_("Lifted out of poverty"), headline["lifted"]),
            ],
            of=headline["households"],
        ),
        # Each bar is a share of all households; a household may be in several.
        bar_chart(
            _("Monitoring and assistance"),
            [
                (_("Monitored household"), headline["monitored"]),
                (_("Low-income allowance (低保)"), headline["dibao"]),
                (_("Destitute support (特困/五保)"), headline["tekun"]),
            ],
            of=headline["households"],
            exclusive=False,
        ),
    ]
    headline["residing_people"] = headline["present"] + headline["inflow"]
    charts += registry_charts(headline)
    return {
        "headline": headline,
        "charts": charts,
        "today": today or today_local(),
        "computed_at": computed_at,
    }


LAND_LABELS = {
    "0": _("None recorded"),
    "0-2": _("Under 2 mu"),
    "2-5": _("2 to 5 mu"),
    "5-10": _("5 to 10 mu"),
    "10+": _("10 mu or more"),
}


def _top(headline, prefix: str) -> list[tuple[str, int]]:
    named = sorted(
        ((key[len(prefix) :], n) for key, n in headline.items() if key.startswith(prefix) and n),
        key=lambda pair: (-pair[1], pair[0]),
    )
    top = named[:TOP_NAMES]
    rest = sum(n for _name, n in named[TOP_NAMES:])
    if rest:
        top.append((str(_("Others")), rest))
    return top


def registry_charts(headline) -> list:
    """Who lives here (户籍 vs 现住) and the registry's structure charts of issue 25:
    household size, land, living conditions (人居环境), skills and religion. Counts only:
    the overview is a staff page, and no public page lists them (DESIGN §5)."""
    sizes = [
        (
            str(_("%(n)d or more") % {"n": n})
            if n == HOUSEHOLD_SIZES[-1]
            else str(ngettext("%(n)d person", "%(n)d people", n) % {"n": n}),
            headline[f"size:{n}"],
        )
        for n in HOUSEHOLD_SIZES
    ]
    return [
        bar_chart(
            _("Registered residents: where they live"),
            [
                (_("Lives here"), headline["present"]),
                *[
                    (
                        str(_("Away: %(reason)s") % {"reason": label}),
                        headline[f"away:{value}"],
                    )
                    for value, label in AwayReason.choices
                ],
            ],
            of=headline["residents"],
        ),
        bar_chart(_("Household size (registered members)"), sizes, of=headline["households"]),
        bar_chart(
            _("Contracted land"),
            [(LAND_LABELS[band], headline[f"land:{band}"]) for band, _l, _h in LAND_BANDS],
            of=headline["households"],
        ),
        bar_chart(
            _("Living conditions (人居环境)"),
            [
                (label, headline[f"living_environment:{value}"])
                for value, label in LivingEnvironment.choices
            ],
            of=headline["households"],
        ),
        bar_chart(
            _("Skills"),
            _top(headline, "skill:") or [(_("None recorded"), headline["residents"])],
            of=headline["residents"],
            exclusive=False,
        ),
        bar_chart(
            _("Religion"),
            [
                (_("None recorded"), headline["residents"] - headline["religious"]),
                *_top(headline, "religion:"),
            ],
            of=headline["residents"],
        ),
    ]


def history_of(household: Household, resident_ids: list[int] | None = None) -> list[dict]:
    """Every recorded change of the household and its members, newest first, with diffs.

    Three queries: the historical rows are fetched in bulk and diffed here, pairwise per
    object, instead of simple-history's diff_against, which queries per row.
    """
    rows: list[dict] = []
    records = [
        *household.history.select_related("history_user").order_by("history_date"),
    ]
    # Members' rows, including those from before a move: two indexed lookups, merged here
    # (an OR across the two columns would scan the whole history table).
    seen = set()
    for qs in (
        Resident.history.filter(household_id=household.pk),
        Resident.history.filter(
            id__in=resident_ids if resident_ids is not None else household.residents.values("pk")
        ),
    ):
        for record in qs.select_related("history_user"):
            if record.history_id not in seen:
                seen.add(record.history_id)
                records.append(record)
    previous: dict[tuple[str, int], object] = {}
    hidden = {"id_hash", "id_cipher", "phone_cipher", "id_masked", "phone_masked"}
    for record in sorted(records, key=lambda r: r.history_date):
        model = record.instance_type
        key = (model.__name__, record.id)
        before = previous.get(key)
        changes = []
        if before is not None:
            for f in model._meta.concrete_fields:
                if f.name in {"updated_at", "created_at"}:
                    continue
                old, new = getattr(before, f.attname), getattr(record, f.attname)
                if old != new:
                    if f.name in hidden:
                        changes.append((f.verbose_name, "", ""))
                    elif f.choices:
                        changes.append((f.verbose_name, _display(f, old), _display(f, new)))
                    else:
                        changes.append((f.verbose_name, old, new))
        previous[key] = record
        rows.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": record.history_type,
                "model": model._meta.verbose_name,
                # record.instance would query for the excluded updated_at: build the label here
                "label": mask(record.name, "name") if model is Resident else household.number,
                "changes": changes,
                "reason": record.history_change_reason,
            }
        )
    rows.reverse()
    return rows


def _display(field, value) -> str:
    return str(dict(field.flatchoices).get(value, value))
