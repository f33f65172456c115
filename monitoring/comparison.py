"""行业部门比对: before a household is enrolled, what each department's latest feed says
about it next to what the village found on its visit, differences marked (DESIGN §1.2).

Five topics, each with the verification field that states it and the catalogue items
that speak to it. Items are named by their codes, which never change once used
(DataItem.code_locked); a county whose catalogue lacks an item sees "no department data"
for that topic rather than a guess. How a topic reads a household from its residents'
values:

| topic | the village states | the department's items | household value |
| --- | --- | --- | --- |
| income | per-capita net income | NY03 家庭年人均纯收入 | the highest member's figure |
| medical | out-of-pocket costs, 12 months | YB02 个人自付费用 | the members' sum |
| dibao | receives 低保 | MZ01 农村低保 | any member; not listed = no |
| disability | a member with a disability | CL01 残疾等级 > 0, CL02 重度残疾 | any member; |
|  |  |  | not listed = no |
| employment | someone in work | RS03 务工收入 > 0, RS05 公益性岗位: yes; | in work if |
|  |  | RS01 失业登记, RS04 务工中断返乡: no | anyone is |

"Not listed = no" holds for the flag lists a department delivers whole (民政's 低保 roll,
残联's register): a household absent from the department's latest loaded file is not on
it. Amounts absent from a file are "no data", not zero. Two amounts differ when they are
more than AMOUNT_TOLERANCE apart relative to the larger one.

A difference is explained by the village (monitoring.services.explain_difference); the
township's review cannot pass while a difference has no explanation given since the
latest verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.models import (
    Alert,
    AlertEvent,
    BatchStatus,
    DataItem,
    FeedBatch,
    FeedValue,
    period_label,
)
from monitoring.reasons import figure

AMOUNT_TOLERANCE = Decimal("0.2")  # 20 %

# topic → (label, the verification's key, kind: "amount" or "yes/no")
TOPICS: dict[str, tuple] = {
    "income": (gettext_lazy("Per-capita net income (yuan a year)"), "income_estimate", "amount"),
    "medical": (
        gettext_lazy("Out-of-pocket medical costs, last 12 months (yuan)"),
        "medical_costs",
        "amount",
    ),
    "dibao": (gettext_lazy("Receives 低保"), "dibao", "flag"),
    "disability": (gettext_lazy("A member with a disability"), "disability", "flag"),
    "employment": (gettext_lazy("Someone in the household in work"), "employed", "flag"),
}
ITEMS = {
    "income": ("NY03",),
    "medical": ("YB02",),
    "dibao": ("MZ01",),
    "disability": ("CL01", "CL02"),
    "employment": ("RS03", "RS05", "RS01", "RS04"),
}


@dataclass
class Row:
    topic: str
    label: str
    department: str = ""
    period: str = ""
    department_value: Decimal | bool | None = None  # None: no data
    found: Decimal | bool | None = None  # None: not stated
    form: Any = None  # the village's form to explain it, set by the alert's page
    explanation: AlertEvent | None = None

    @property
    def differs(self) -> bool:
        a, b = self.department_value, self.found
        if a is None or b is None:
            return False
        if not isinstance(a, Decimal) or not isinstance(b, Decimal):  # yes/no answers
            return bool(a) != bool(b)
        larger = max(abs(a), abs(b))
        return larger > 0 and abs(a - b) > AMOUNT_TOLERANCE * larger

    @property
    def unexplained(self) -> bool:
        return self.differs and self.explanation is None

    @staticmethod
    def show(value) -> str:
        if value is None:
            return "—"
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return figure(value)

    @property
    def department_shown(self) -> str:
        return self.show(self.department_value) if self.department else _("No department data")

    @property
    def found_shown(self) -> str:
        return self.show(self.found) if self.found is not None else _("Not stated")


def _found(event: AlertEvent | None, key: str, kind: str):
    """The verification's statement of a topic (None when it said nothing)."""
    raw = (event.data if event else {}).get(key)
    if raw in (None, ""):
        return None
    if kind == "flag":
        return raw in (True, "yes")
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return None


def _household_value(topic: str, values: dict[str, list[Decimal]]):
    """The household's value of a topic from its residents' values in the department's
    latest file (which it delivered: a roll's absence is "no")."""
    if topic == "income":
        return max(values["NY03"]) if values.get("NY03") else None
    if topic == "medical":
        return sum(values["YB02"], Decimal(0)) if values.get("YB02") else None
    if topic == "dibao":
        return any(v == 1 for v in values.get("MZ01", []))
    if topic == "disability":
        return any(v > 0 for v in values.get("CL01", [])) or any(
            v == 1 for v in values.get("CL02", [])
        )
    # employment
    if any(v > 0 for v in values.get("RS03", [])) or any(v == 1 for v in values.get("RS05", [])):
        return True
    if any(v == 1 for v in values.get("RS01", []) + values.get("RS04", [])):
        return False
    return None


def compare(alert: Alert) -> list[Row]:
    """The five topics for the alert's household (four queries whatever the feeds' size:
    items, the departments' latest batches, the household's values in them, the log)."""
    codes = [code for group in ITEMS.values() for code in group]
    items = {
        i.code: i for i in DataItem.objects.filter(code__in=codes).select_related("department")
    }
    departments = {i.department_id for i in items.values()}
    latest: dict[int, FeedBatch] = {}
    for batch in (
        FeedBatch.objects.filter(
            county__code=alert.village.code[:6],
            status=BatchStatus.LOADED,
            department_id__in=departments,
        )
        .select_related("department")
        .order_by("department_id", "-period", "-pk")
    ):
        latest.setdefault(batch.department_id, batch)
    values: dict[str, list[Decimal]] = {}
    code_of = {i.pk: code for code, i in items.items()}
    for item_id, value in FeedValue.objects.filter(
        batch_id__in=[b.pk for b in latest.values()],
        household_id=alert.household_id,
        item_id__in=list(code_of),
    ).values_list("item_id", "value"):
        values.setdefault(code_of[item_id], []).append(value)
    events = list(alert.events.filter(action__in=("verified", "explained")).select_related("user"))
    verified = [e for e in events if e.action == "verified"]
    verification = verified[-1] if verified else None
    explanations = {
        e.data.get("topic"): e
        for e in events
        if e.action == "explained" and verification is not None and e.at >= verification.at
    }
    rows = []
    for topic, (label, key, kind) in TOPICS.items():
        row = Row(topic=topic, label=str(label), found=_found(verification, key, kind))
        delivered = [
            latest[items[c].department_id]
            for c in ITEMS[topic]
            if c in items and items[c].department_id in latest
        ]
        if delivered:
            row.department = delivered[0].department.name
            row.period = period_label(delivered[0].period)
            row.department_value = _household_value(topic, values)
        row.explanation = explanations.get(topic)
        rows.append(row)
    return rows


def unexplained(alert: Alert) -> list[Row]:
    return [row for row in compare(alert) if row.unexplained]
