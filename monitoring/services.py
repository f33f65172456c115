"""Monitoring's writes (DESIGN §1.2): the ways an alert comes in, its workflow steps,
enrolment, assistance measures and risk elimination. Every step checks who may take it
here (allowed_actions is the one table of it), writes its log entry and sets the next
step's due date, in one transaction. Views, tasks, the grid app and the public page
call these; nothing else writes alerts.

Who takes which step (DESIGN §2):

| step | who | in stage |
| --- | --- | --- |
| assign | township or county officer over the village | any open |
| verify (入户核实) | village cadre of the village | verify |
| appraise (民主评议) | village cadre | appraise |
| end the public notice (公示) | village cadre, once the notice period is over | notice |
| review (乡镇审核) | township officer over the village | township |
| approve or dismiss (县级审批) | county officer | county |
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.masking import mask_id_numbers
from households import services as registry
from households.models import (
    Household,
    MonitoringCategory,
    PovertyStatus,
    Resident,
    ResidentStatus,
)
from monitoring import comparison
from monitoring.models import (
    LEVEL_RANK,
    MEASURE_FINAL,
    OPEN_STAGES,
    SUDDEN_CAUSES,
    Alert,
    AlertEvent,
    AssistanceMeasure,
    Campaign,
    Cause,
    DataItem,
    HouseholdIncome,
    MeasureStatus,
    MeasureUpdate,
    Monitored,
    MonitoringLine,
    Pairing,
    RiskLevel,
    RiskRule,
    ScreeningSettings,
    Source,
    Stage,
)
from monitoring.roles import (
    CATALOGUE_KEEPERS,
    COUNTY_STEPS,
    PAIRED,
    QUEUE_WORKERS,
    TOWNSHIP_STEPS,
    VILLAGE_STEPS,
    VISIT_FLAGGERS,
)
from villages.models import WORK_TEAM_ROLES, Region, Role, StaffAssignment
from villages.notifications import Kind, notify, notify_each, users_over, users_over_each
from villages.scoping import has_role_at, require_role, require_role_at

# action → (roles that take it, the stages it is taken in)
ACTIONS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "assign": (QUEUE_WORKERS, OPEN_STAGES),
    "verify": (VILLAGE_STEPS, (Stage.VERIFY,)),
    "appraise": (VILLAGE_STEPS, (Stage.APPRAISE,)),
    "end_notice": (VILLAGE_STEPS, (Stage.NOTICE,)),
    "review": (TOWNSHIP_STEPS, (Stage.TOWNSHIP,)),
    "decide": (COUNTY_STEPS, (Stage.COUNTY,)),
}


def tell_new_alerts(
    counts: dict[int, int], *, link: str, high: dict[int, int] | None = None
) -> int:
    """Tell each village's cadres how many new alerts it got ({village id: count}). A
    village with high-risk ones among them ({village id: count}) is texted at once too
    (issue 25), in words that hold the village and the counts, no one's data."""
    high = high or {}
    villages = list(Region.objects.filter(pk__in=list(counts)).only("code", "name"))
    cadres = users_over_each([v.code for v in villages], {Role.VILLAGE_CADRE, *WORK_TEAM_ROLES})
    messages = []
    for village in villages:
        n_high = high.get(village.pk, 0)
        if n_high:
            title = _(
                "%(village)s: %(n)d new return-to-poverty alert(s), %(high)d high-risk: "
                "verify at once"
            ) % {"village": village.name, "n": counts[village.pk], "high": n_high}
        else:
            title = _("%(village)s: %(n)d new return-to-poverty alert(s) to verify") % {
                "village": village.name,
                "n": counts[village.pk],
            }
        messages.append((cadres[village.code], title, bool(n_high)))
    return notify_each(messages, kind=Kind.ALERT, link=link)


# Separation of duties (DESIGN §5): who took these earlier steps on an alert may not take
# this one. A township review is not the verifier's or the appraiser's; the county's
# decision is no one's who verified, appraised or reviewed it. A reviewer who returned an
# alert may review it again once the village has verified it anew.
EARLIER_HANDS: dict[str, frozenset[str]] = {
    "review": frozenset({"verified", "appraised", "notice_ended"}),
    "decide": frozenset(
        {"verified", "appraised", "notice_ended", "review_approve", "review_return"}
    ),
}


def barred(alert: Alert, action: str) -> set[int]:
    """The users whose earlier hand in this alert bars them from `action` (one query)."""
    earlier = EARLIER_HANDS.get(action)
    if not earlier:
        return set()
    return set(
        alert.events.filter(action__in=earlier, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )


def conflict(user, alert: Alert, action: str) -> str | None:
    """Why this user may not take `action` on this alert although their role could (they
    took an earlier step of it), or None."""
    if user.pk not in barred(alert, action):
        return None
    if action == "review":
        return _(
            "You verified or appraised this alert: another officer of the township reviews it."
        )
    return _("You took an earlier step of this alert: another county officer decides it.")


def allowed_actions(user, alert: Alert) -> list[str]:
    """The steps this user may take on this alert now."""
    code = alert.village.code
    return [
        action
        for action, (roles, stages) in ACTIONS.items()
        if alert.stage in stages
        and has_role_at(user, roles, code)
        and conflict(user, alert, action) is None
    ]


def _require(user, alert: Alert, action: str) -> None:
    """Refuse a step the user may not take; a refusal for an earlier hand says so."""
    if (reason := conflict(user, alert, action)) is not None:
        raise PermissionDenied(reason)
    if action not in allowed_actions(user, alert):
        raise PermissionDenied


def _days(name: str) -> datetime.timedelta:
    return datetime.timedelta(days=getattr(ScreeningSettings.current(), name))


STEP_ACTIONS = (
    {"verified", "appraised", "notice_ended"}
    | {f"review_{d}" for d in ("approve", "return", "dismiss")}
    | {f"decide_{d}" for d in ("enrol", "dismiss")}
)


def _log(alert: Alert, action: str, user, note: str = "", **data) -> AlertEvent:
    """One entry of the alert's log. A step records whether it was taken by its due date
    (the work portrait counts them)."""
    if action in STEP_ACTIONS:
        data["on_time"] = timezone.localdate() <= alert.due_date
    clean = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in data.items()}
    clean = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in clean.items()}
    return AlertEvent.objects.create(
        alert=alert,
        action=action,
        user=user,
        at=timezone.now(),
        note=mask_id_numbers(note)[:500],
        data=clean,
    )


def _move(alert: Alert, stage: str, *, due_in: str | None = None, close: bool = False) -> None:
    alert.stage = stage
    if due_in:
        alert.due_date = timezone.localdate() + _days(due_in)
    if close:
        alert.closed_at = timezone.now()
    alert.save(update_fields=["stage", "due_date", "closed_at", "dismissed_at_verification"])


def _locked(alert: Alert) -> Alert:
    """The alert re-read under a row lock: two cadres clicking at once take one step."""
    return Alert.objects.select_for_update().select_related("village", "household").get(pk=alert.pk)


# --- Ways in ------------------------------------------------------------------------------


def alert_raise(
    *,
    household: Household,
    source: str,
    user=None,
    level: str = RiskLevel.MEDIUM,
    reasons: Iterable[dict] = (),
    causes: Iterable[str] = (),
    campaign: Campaign | None = None,
    note: str = "",
) -> tuple[Alert, bool]:
    """The one service every way in calls: (alert, created). A household with an open
    alert keeps it; the new signal is logged on it (and raises its level if higher)."""
    # free text from residents and cadres: an ID number typed into it is masked
    reasons = [{**r, "label": mask_id_numbers(str(r.get("label", "")))} for r in reasons]
    causes = [c for c in causes if c in Cause.values]
    with transaction.atomic():
        existing = (
            Alert.objects.select_for_update().filter(household=household, closed_at__isnull=True)
        ).first()
        if existing is not None:
            if LEVEL_RANK[level] > LEVEL_RANK[existing.level]:
                existing.level = level
            existing.reasons = [*existing.reasons, *reasons]
            existing.causes = sorted(set(existing.causes) | set(causes))
            existing.save(update_fields=["level", "reasons", "causes"])
            _log(existing, "signal", user, note, source=source)
            return existing, False
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    household=household,
                    village_id=household.village_id,
                    source=source,
                    level=level,
                    reasons=reasons,
                    causes=sorted(set(causes)),
                    campaign=campaign,
                    due_date=timezone.localdate() + _days("verify_days"),
                    opened_at=timezone.now(),
                )
        except IntegrityError:  # raised by another way in at this very moment
            return alert_raise(
                household=household,
                source=source,
                user=user,
                level=level,
                reasons=reasons,
                causes=causes,
                campaign=campaign,
                note=note,
            )
        _log(alert, "raised", user, note, source=source)
        tell_new_alerts(
            {alert.village_id: 1},
            link=reverse("monitoring:alert", args=[alert.pk]),
            high={alert.village_id: 1} if alert.level == RiskLevel.HIGH else None,
        )
    return alert, True


def self_report(*, household: Household, name: str, text: str, causes: Iterable[str] = ()):
    """A resident's hardship self-report from the public household page (named). An ID
    number typed into it is kept masked only (DESIGN §5)."""
    name, text = mask_id_numbers(name.strip())[:40], mask_id_numbers(text.strip())
    reason = {"label": _("Self-report by %(name)s: %(text)s") % {"name": name, "text": text[:200]}}
    return alert_raise(
        household=household,
        source=Source.SELF_REPORT,
        reasons=[{**reason, "type": "flag"}],
        causes=causes,
        note=text,
    )


def visit_flag(*, household: Household, user, note: str, causes: Iterable[str] = ()):
    """A cadre's or grid worker's flag after a visit (the grid app calls this too)."""
    if not has_role_at(user, VISIT_FLAGGERS, household.village.code):
        raise PermissionDenied
    if not note.strip():
        raise ValidationError({"note": _("Say what you saw on the visit.")})
    reason = {"label": _("Flagged after a visit: %(note)s") % {"note": note[:200]}, "type": "flag"}
    return alert_raise(
        household=household,
        source=Source.VISIT,
        user=user,
        reasons=[reason],
        causes=causes,
        note=note,
    )


def recheck_campaign(*, user, county, name: str, criteria: str, households) -> tuple[Campaign, int]:
    """回头看: each picked household becomes a verification task for its village."""
    if not has_role_at(user, COUNTY_STEPS, county.code):
        raise PermissionDenied
    created = 0
    with transaction.atomic():
        campaign = Campaign.objects.create(
            county=county, name=name, criteria=criteria, created_by=user
        )
        reason = {"label": _("Re-check: %(name)s") % {"name": name}, "type": "flag"}
        for household in households.select_related("village"):
            _alert, new = alert_raise(
                household=household,
                source=Source.RECHECK,
                user=user,
                level=RiskLevel.LOW,
                reasons=[reason],
                campaign=campaign,
            )
            created += new
    return campaign, created


# --- The workflow -------------------------------------------------------------------------


def assign(*, alerts: Iterable[Alert], user, assignee) -> int:
    """Assign alerts to a village cadre of each alert's village (bulk, from the queue)."""
    done = 0
    with transaction.atomic():
        for alert in alerts:
            alert = _locked(alert)
            _require(user, alert, "assign")
            is_cadre = StaffAssignment.objects.filter(
                user=assignee, role=Role.VILLAGE_CADRE, region__code=alert.village.code
            ).exists()
            if not is_cadre:
                raise ValidationError(
                    _("%(user)s is not a cadre of %(village)s.")
                    % {"user": assignee.get_username(), "village": alert.village.name}
                )
            alert.assignee = assignee
            alert.save(update_fields=["assignee"])
            _log(alert, "assigned", user, assignee=assignee.get_username())
            done += 1
    return done


def verify(
    *,
    alert: Alert,
    user,
    visit_date: datetime.date,
    findings: str,
    income_estimate: Decimal | None,
    recommendation: str,
    medical_costs: Decimal | None = None,
    dibao: str = "",
    disability: str = "",
    employed: str = "",
) -> Alert:
    """On-site verification: "enrol" sends it to the appraisal, "dismiss" closes it (and
    the household returns only on worse evidence). What the visit found on the comparison's
    topics (monitoring.comparison: "yes", "no" or "" for not stated) is recorded with it."""
    if visit_date > timezone.localdate():
        raise ValidationError({"visit_date": _("The visit cannot be in the future.")})
    if recommendation not in ("enrol", "dismiss"):
        raise ValidationError({"recommendation": _("Choose a recommendation.")})
    with transaction.atomic():
        alert = _locked(alert)
        _require(user, alert, "verify")
        _log(
            alert,
            "verified",
            user,
            findings,
            visit_date=visit_date,
            income_estimate=income_estimate,
            recommendation=recommendation,
            medical_costs=medical_costs,
            dibao=dibao,
            disability=disability,
            employed=employed,
        )
        if recommendation == "dismiss":
            alert.dismissed_at_verification = True
            _move(alert, Stage.DISMISSED, close=True)
        else:
            # the risk is confirmed: measures are fixed within measure_days of the visit
            alert.measures_due = visit_date + _days("measure_days")
            alert.save(update_fields=["measures_due"])
            _move(alert, Stage.APPRAISE, due_in="appraise_days")
    return alert


def appraise(*, alert: Alert, user, date: datetime.date, attendees: int, outcome: str, note=""):
    """Democratic appraisal: "agree" starts the public notice, "disagree" dismisses."""
    if outcome not in ("agree", "disagree"):
        raise ValidationError({"outcome": _("Choose the appraisal's outcome.")})
    if attendees < 1:
        raise ValidationError({"attendees": _("Give the number of attendees.")})
    with transaction.atomic():
        alert = _locked(alert)
        _require(user, alert, "appraise")
        _log(alert, "appraised", user, note, date=date, attendees=attendees, outcome=outcome)
        if outcome == "disagree":
            _move(alert, Stage.DISMISSED, close=True)
        else:
            _move(alert, Stage.NOTICE, due_in="notice_days")
    return alert


# the steps in which the village explains a difference the comparison marks
EXPLAIN_STAGES = (Stage.APPRAISE, Stage.NOTICE, Stage.TOWNSHIP)


def explain_difference(*, alert: Alert, user, topic: str, text: str) -> AlertEvent:
    """The village's explanation of one difference between its findings and a
    department's data (行业部门比对), before the township reviews it."""
    if not has_role_at(user, VILLAGE_STEPS, alert.village.code):
        raise PermissionDenied
    if alert.stage not in EXPLAIN_STAGES:
        raise ValidationError(_("Differences are explained before the township's review."))
    if not text.strip():
        raise ValidationError({"text": _("Say why the findings differ.")})
    with transaction.atomic():
        alert = _locked(alert)
        differing = {row.topic for row in comparison.compare(alert) if row.differs}
        if topic not in differing:
            raise ValidationError(_("There is no difference to explain on this topic."))
        return _log(alert, "explained", user, text, topic=topic)


def end_notice(*, alert: Alert, user, objections: str = "") -> Alert:
    """The public notice is over (not before its days have passed): to the township."""
    with transaction.atomic():
        alert = _locked(alert)
        _require(user, alert, "end_notice")
        if timezone.localdate() < alert.due_date:
            raise ValidationError(
                _("The public notice runs until %(date)s.") % {"date": alert.due_date}
            )
        _log(alert, "notice_ended", user, objections)
        _move(alert, Stage.TOWNSHIP, due_in="township_days")
    return alert


def review(*, alert: Alert, user, decision: str, note: str = "") -> Alert:
    """Township review: "approve" to the county, "return" to the village, "dismiss"."""
    if decision not in ("approve", "return", "dismiss"):
        raise ValidationError({"decision": _("Choose a decision.")})
    if decision != "approve" and not note.strip():
        raise ValidationError({"note": _("Say why.")})
    with transaction.atomic():
        alert = _locked(alert)
        _require(user, alert, "review")
        if decision == "approve" and (rows := comparison.unexplained(alert)):
            raise ValidationError(
                {
                    "decision": _(
                        "The village has not explained where its findings differ from the "
                        "departments' data: %(topics)s. Return it to the village or wait for "
                        "the explanation."
                    )
                    % {"topics": "、".join(row.label for row in rows)}
                }
            )
        _log(alert, f"review_{decision}", user, note)
        if decision == "approve":
            _move(alert, Stage.COUNTY, due_in="county_days")
        elif decision == "return":
            _move(alert, Stage.VERIFY, due_in="verify_days")
        else:
            _move(alert, Stage.DISMISSED, close=True)
    return alert


def decide(
    *,
    alert: Alert,
    user,
    decision: str,
    category: str = "",
    causes: Iterable[str] = (),
    note: str = "",
    members: Iterable[Resident] | None = None,
    sudden_amount: Decimal | None = None,
) -> Alert:
    """County approval: "enrol" (with the category, its conditions met, the causes and the
    members enrolled: by default every living member) or "dismiss" (with why)."""
    causes = [c for c in causes if c in Cause.values]
    living = list(alert.household.residents.filter(status=ResidentStatus.LIVING))
    chosen = living if members is None else [m for m in members if m in living]
    if decision == "enrol":
        if category not in MonitoringCategory.values or not category:
            raise ValidationError({"category": _("Choose the category of monitored household.")})
        if not causes:
            raise ValidationError({"causes": _("Choose at least one cause.")})
        eligible(alert.household, category, causes=causes, sudden_amount=sudden_amount)
        if not chosen:
            raise ValidationError({"members": _("Name the members enrolled.")})
    elif decision == "dismiss":
        if not note.strip():
            raise ValidationError({"note": _("Say why.")})
    else:
        raise ValidationError({"decision": _("Choose a decision.")})
    with transaction.atomic():
        alert = _locked(alert)
        _require(user, alert, "decide")
        _log(alert, f"decide_{decision}", user, note, category=category, causes=causes)
        if decision == "dismiss":
            _move(alert, Stage.DISMISSED, close=True)
            return alert
        alert.causes = causes
        alert.save(update_fields=["causes"])
        _move(alert, Stage.ENROLLED, close=True)
        monitored = Monitored.objects.create(
            household=alert.household,
            alert=alert,
            category=category,
            causes=causes,
            enrolled_on=timezone.localdate(),
            approved_by=user,
            sudden_amount=sudden_amount if category == MonitoringCategory.SUDDEN else None,
        )
        monitored.members.set(chosen)
        # the measures proposed at the appraisal carry on after enrolment
        AssistanceMeasure.objects.filter(alert=alert).update(monitored=monitored)
        registry.monitoring_mirror_set(
            household=alert.household,
            category=category,
            user=user,
            reason=_("Enrolled as monitored household"),
        )
    return alert


def eligible(
    household: Household,
    category: str,
    *,
    causes: Iterable[str],
    sudden_amount: Decimal | None = None,
) -> None:
    """The category's own condition, or a ValidationError saying which fails:
    脱贫不稳定户 is a household that left poverty; 边缘易致贫户 has a per-capita net income
    at most the county's factor times the monitoring line (its latest 明白卡 says); a
    突发严重困难户 has a sudden cause and the amount it cost."""
    if category == MonitoringCategory.UNSTABLE:
        if household.poverty_status != PovertyStatus.LIFTED:
            raise ValidationError(
                {
                    "category": _(
                        "An unstable household is one lifted out of poverty; the registry "
                        "does not record this one as lifted."
                    )
                }
            )
    elif category == MonitoringCategory.MARGINAL:
        income = HouseholdIncome.objects.filter(household=household).order_by("-year").first()
        line = (
            MonitoringLine.objects.filter(year=income.year).first() if income is not None else None
        )
        if income is None or line is None:
            raise ValidationError(
                {
                    "category": _(
                        "A marginal household is judged by its income against the line: "
                        "enter its income (明白卡) first."
                    )
                }
            )
        limit = (line.amount * ScreeningSettings.current().marginal_factor).quantize(
            Decimal("0.01")
        )
        if income.per_capita_net > limit:
            raise ValidationError(
                {
                    "category": _(
                        "A marginal household has at most %(limit)s yuan a person a year "
                        "(%(year)d); this one has %(income)s."
                    )
                    % {"limit": limit, "year": income.year, "income": income.per_capita_net}
                }
            )
    elif category == MonitoringCategory.SUDDEN:
        if not set(causes) & set(SUDDEN_CAUSES):
            raise ValidationError(
                {
                    "causes": _(
                        "A sudden severe hardship has a sudden cause: illness, a disaster, "
                        "an accident or the death of the main labourer."
                    )
                }
            )
        if sudden_amount is None or sudden_amount <= 0:
            raise ValidationError(
                {"sudden_amount": _("Give what the sudden event cost the family (yuan).")}
            )


# --- Monitored households -------------------------------------------------------------


#: an alert's steps at which the village proposes measures: from the appraisal on (the
#: risk confirmed at verification), until the county's decision
MEASURE_STAGES = (Stage.APPRAISE, Stage.NOTICE, Stage.TOWNSHIP, Stage.COUNTY)


def measure_propose(
    *,
    alert: Alert,
    user,
    kind: str,
    description: str,
    responsible: str,
    start: datetime.date,
    expected_effect: str = "",
) -> AssistanceMeasure:
    """A measure the village proposes for a household whose risk verification confirmed
    (at the appraisal, or any step until the county decides): fixed at once, not after
    the county's approval, and carried on if the household is enrolled."""
    require_role_at(user, VILLAGE_STEPS, alert.village.code)
    alert.refresh_from_db(fields=["stage"])  # the step it stands at now, not when read
    if alert.stage not in MEASURE_STAGES:
        raise ValidationError(
            _(
                "Measures are proposed once verification has confirmed the risk, "
                "until the county decides."
            )
        )
    measure = AssistanceMeasure(
        alert=alert,
        kind=kind,
        description=mask_id_numbers(description.strip()),
        responsible=responsible.strip(),
        start=start,
        expected_effect=mask_id_numbers(expected_effect.strip()),
        proposed_by=user,
    )
    measure.full_clean()
    with transaction.atomic():
        measure.save()
        # on the alert's log too: the kept queue sees the change (its key is the log's)
        _log(alert, "measure", user, f"{measure.get_kind_display()}: {measure.description}")
    return measure


def measure_add(*, monitored: Monitored, user, **fields) -> AssistanceMeasure:
    """A further measure for a monitored household (its village's or township's staff)."""
    require_role_at(user, VILLAGE_STEPS | TOWNSHIP_STEPS, monitored.household.village.code)
    measure = AssistanceMeasure(
        monitored=monitored, alert_id=monitored.alert_id, proposed_by=user, **fields
    )
    measure.full_clean(exclude=["monitored", "alert"])
    measure.save()
    return measure


def may_report(user, household: Household) -> bool:
    """Who reports on a household's measures: its village's and township's steps, and
    the cadre paired with it (结对帮扶), whatever their role."""
    return has_role_at(user, VILLAGE_STEPS | TOWNSHIP_STEPS, household.village.code) or (
        Pairing.objects.filter(household=household, cadre_id=user.pk).current().exists()
    )


def measure_update(
    *, measure: AssistanceMeasure, user, status: str, on: datetime.date, outcome: str = ""
) -> MeasureUpdate:
    """The responsible person's report: the measure's state on a date, with its outcome
    (needed once it is done or stopped, which is final). Appended to its record."""
    household = (measure.monitored or measure.alert).household  # type: ignore[union-attr]
    if not may_report(user, household):
        raise PermissionDenied
    outcome = mask_id_numbers(outcome.strip())
    if status not in MeasureStatus.values:
        raise ValidationError({"status": _("Choose the measure's state.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date is in the future.")})
    if status in MEASURE_FINAL and not outcome:
        raise ValidationError({"outcome": _("Say what the measure achieved, or why it stopped.")})
    with transaction.atomic():
        locked = AssistanceMeasure.objects.select_for_update().get(pk=measure.pk)
        if locked.status in MEASURE_FINAL:
            raise ValidationError(_("This measure is over; add a new one instead."))
        update = MeasureUpdate.objects.create(
            measure=locked, status=status, on=on, outcome=outcome, by=user
        )
        AssistanceMeasure.objects.filter(pk=measure.pk).update(status=status)
        measure.status = status
    return update


def elimination_propose(*, monitored: Monitored, user, note: str) -> Monitored:
    if not has_role_at(user, VILLAGE_STEPS, monitored.household.village.code):
        raise PermissionDenied
    if monitored.eliminated_at is not None:
        raise ValidationError(_("The risk is already eliminated."))
    if not note.strip():
        raise ValidationError({"note": _("Say why the risk is gone.")})
    monitored.elimination_proposed_on = timezone.localdate()
    monitored.elimination_note = note[:500]
    monitored.elimination_proposed_by = user
    monitored.save(
        update_fields=["elimination_proposed_on", "elimination_note", "elimination_proposed_by"]
    )
    return monitored


def elimination_review(*, monitored: Monitored, user, confirm: bool) -> Monitored:
    """The township confirms the risk is gone (the household leaves monitoring) or sends
    the proposal back."""
    if not has_role_at(user, TOWNSHIP_STEPS, monitored.household.village.code):
        raise PermissionDenied
    if monitored.elimination_proposed_on is None or monitored.eliminated_at is not None:
        raise ValidationError(_("No elimination is waiting for review."))
    if monitored.elimination_proposed_by_id == user.pk:
        raise PermissionDenied(
            _("You proposed ending this household's risk: another officer confirms it.")
        )
    with transaction.atomic():
        if confirm:
            monitored.eliminated_at = timezone.now()
            monitored.eliminated_by = user
            monitored.save(update_fields=["eliminated_at", "eliminated_by"])
            registry.monitoring_mirror_set(
                household=monitored.household,
                category="",
                user=user,
                reason=_("Risk eliminated"),
            )
        else:
            monitored.elimination_proposed_on = None
            monitored.save(update_fields=["elimination_proposed_on"])
    return monitored


# --- Household income (明白卡) -------------------------------------------------------------


def income_save(*, household: Household, user, year: int, **amounts) -> HouseholdIncome:
    """Enter or correct a household's income of a year (village cadres of its village)."""
    if not has_role_at(user, VILLAGE_STEPS, household.village.code):
        raise PermissionDenied
    income, _created = HouseholdIncome.objects.update_or_create(
        household=household, year=year, defaults={**amounts, "updated_by": user}
    )
    return income


# --- The county's catalogue and rules (the pages, the admin's import alike) --------------------


def _require_catalogue_keeper(user) -> None:
    if user is not None:  # None: the portal itself (the demo catalogue)
        require_role(user, CATALOGUE_KEEPERS)


def item_save(item: DataItem, *, user) -> DataItem:
    """Add or change a data item of the feed catalogue (applies from the next load)."""
    _require_catalogue_keeper(user)
    item.full_clean()
    item.save()
    return item


def rule_save(rule: RiskRule, *, user) -> RiskRule:
    """Add or change a risk rule (applies from the next screening run; assessments made
    keep their reasons)."""
    _require_catalogue_keeper(user)
    rule.full_clean()
    rule.save()
    return rule


def settings_save(settings: ScreeningSettings, *, user) -> ScreeningSettings:
    """The screening's bands and deadlines (the county's catalogue keepers)."""
    _require_catalogue_keeper(user)
    settings.full_clean()
    settings.save()
    return settings


def line_save(*, year: int, amount, user) -> MonitoringLine:
    """The monitoring line of a year (yuan a person a year): set, or changed."""
    _require_catalogue_keeper(user)
    line = MonitoringLine.objects.filter(year=year).first() or MonitoringLine(year=year)
    line.amount = amount
    line.full_clean()
    line.save()
    return line


# --- Paired cadres (结对帮扶) ---------------------------------------------------------------


def at_risk(household: Household) -> bool:
    """Monitored now, or an alert of it past verification (not dismissed)."""
    return (
        Monitored.objects.filter(household=household).current().exists()
        or Alert.objects.filter(household=household, measures_due__isnull=False)
        .exclude(stage=Stage.DISMISSED)
        .exists()
    )


def pairing_candidates(household: Household):
    """The people a household may be paired with: active staff of a paired role at its
    village or above (its cadres and grid workers, its township's officers)."""
    return users_over(household.village.code, PAIRED).order_by("username")


def pair(*, household: Household, cadre, user) -> Pairing:
    """The township names the cadre responsible for a household at risk; the pairing
    before it, if any, ends today. The cadre is told."""
    require_role_at(user, TOWNSHIP_STEPS, household.village.code)
    if not at_risk(household):
        raise ValidationError(
            _("Only a household at risk is paired: monitored, or its alert past verification.")
        )
    if not pairing_candidates(household).filter(pk=cadre.pk).exists():
        raise ValidationError(
            {"cadre": _("Pair the household with one of its village's or township's staff.")}
        )
    today = timezone.localdate()
    with transaction.atomic():
        current = Pairing.objects.select_for_update().filter(household=household).current()
        if current.filter(cadre=cadre).exists():
            raise ValidationError({"cadre": _("The household is paired with this person already.")})
        current.update(ended_on=today)
        pairing = Pairing.objects.create(
            household=household, cadre=cadre, started_on=today, paired_by=user
        )
        notify(
            get_user_model().objects.filter(pk=cadre.pk),
            kind=Kind.ALERT,
            title=_("You are paired with %(household)s: visit it and follow its measures")
            % {"household": str(household)},
            link=reverse("home"),
        )
    return pairing
