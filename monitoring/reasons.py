"""A reason of an assessment or alert in plain Chinese with its figure, as every page,
file and message writes it: 近12个月住院自付 48,200 元; 确诊重大疾病; 人均纯收入 5,230 元，
低于监测标准 7,800 元."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from monitoring.models import ItemType


def figure(value) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError):
        return str(value)
    if number == number.to_integral():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def reason_text(reason: dict) -> str:
    label, value, unit = reason.get("label", ""), reason.get("value"), reason.get("unit") or ""
    kind = reason.get("type")
    if kind == ItemType.FLAG or value is None:
        return label
    if kind == "income":
        return f"{label}（人均纯收入 {figure(value)} 元，标准 {figure(reason.get('line'))} 元）"
    return f"{label} {figure(value)} {unit}".strip()


def reasons_text(reasons: list[dict]) -> list[str]:
    ordered = sorted(reasons or [], key=lambda r: -int(r.get("weight", 0) or 0))
    return [reason_text(r) for r in ordered]
