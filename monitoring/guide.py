"""The alert page's guide (issue 22): which step an alert is at, who must act next (role
and names, less those whose earlier hand in it bars them), by when, and what each
button will do. The steps and their order are services.ACTIONS'; the sentences here
follow what services.verify/appraise/end_notice/review/decide do."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from monitoring import services
from monitoring.models import OPEN_STAGES, Alert, Monitored, Stage
from villages import people
from villages.models import Role, StaffAssignment

# stage → (the action that moves it, the length of the region code whose staff take it)
STAGE_ACTION = {
    Stage.VERIFY: ("verify", 12),
    Stage.APPRAISE: ("appraise", 12),
    Stage.NOTICE: ("end_notice", 12),
    Stage.TOWNSHIP: ("review", 9),
    Stage.COUNTY: ("decide", 6),
}
WHAT_HAPPENS = {
    Stage.VERIFY: _("A village cadre visits the household and records what was found."),
    Stage.APPRAISE: _("The village holds a democratic appraisal of the household."),
    Stage.NOTICE: _(
        "The appraisal's result is on public notice in the village; when its "
        "days are over, a village cadre ends it."
    ),
    Stage.TOWNSHIP: _("The township reviews what the village did."),
    Stage.COUNTY: _("The county decides whether the household is enrolled for monitoring."),
}
BUTTONS = {
    "verify": _(
        "Saving sends the alert to the democratic appraisal if you recommend "
        "enrolling, and closes it if you recommend dismissing."
    ),
    "appraise": _(
        "Saving starts the public notice if the appraisal agreed, and closes "
        "the alert if it did not."
    ),
    "end_notice": _(
        "Saving ends the public notice and sends the alert to the township for "
        "review; it cannot end before the notice's last day."
    ),
    "review": _(
        "Saving with “approve” sends the alert to the county; “return” sends it "
        "back to the village for a new verification; “dismiss” closes it "
        "(both need a note)."
    ),
    "decide": _(
        "Saving with “enrol” makes the household a monitored household (with "
        "its category and causes); “dismiss” closes the alert (with why)."
    ),
}


@dataclass
class Guide:
    step: int = 0
    steps: int = len(OPEN_STAGES)
    stage: str = ""
    what: str = ""
    roles: str = ""
    people: list[str] = field(default_factory=list)
    due: object = None
    overdue: bool = False
    monitored: Monitored | None = None
    closed: bool = False


def alert_guide(alert: Alert) -> Guide:
    if alert.stage not in OPEN_STAGES:
        monitored = (
            Monitored.objects.filter(alert=alert).first() if alert.stage == Stage.ENROLLED else None
        )
        return Guide(stage=alert.get_stage_display(), closed=True, monitored=monitored)
    action, length = STAGE_ACTION[Stage(alert.stage)]
    roles = services.ACTIONS[action][0]
    code = alert.village.code[:length]
    candidates = (
        get_user_model()
        .objects.filter(
            is_active=True,
            pk__in=StaffAssignment.objects.filter(region__code=code, role__in=roles).values("user"),
        )
        .prefetch_related(Prefetch("assignments", StaffAssignment.objects.select_related("region")))
        .order_by("first_name", "username")
    )
    kept_out = services.barred(alert, action)  # separation of duties, in one query
    able = [u for u in candidates if u.pk not in kept_out]
    if alert.assignee_id and alert.stage in (Stage.VERIFY, Stage.APPRAISE, Stage.NOTICE):
        # the cadre it was assigned to first
        able.sort(key=lambda u: u.pk != alert.assignee_id)
    today = timezone.localdate()
    return Guide(
        step=OPEN_STAGES.index(Stage(alert.stage)) + 1,
        stage=alert.get_stage_display(),
        what=str(WHAT_HAPPENS[Stage(alert.stage)]),
        roles=pgettext("between names", ", ").join(str(Role(r).label) for r in sorted(roles)),
        people=[people.label(u) for u in able],
        due=alert.due_date,
        overdue=bool(alert.due_date and alert.due_date < today),
    )
