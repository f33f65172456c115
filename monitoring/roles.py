"""Monitoring's role sets (DESIGN §2, §1.2), declared in the portal registry so the staff
pages can say what each role may do here."""

from django.utils.translation import gettext_lazy as _

from villages.models import Role
from villages.registry import portal

#: who reads alerts, assessments and monitored households of their region
MONITORING_READERS = portal.declare_roles(
    "monitoring",
    "readers",
    {
        Role.COUNTY_OFFICER,
        Role.TOWNSHIP_OFFICER,
        Role.VILLAGE_CADRE,
        Role.FIRST_SECRETARY,
        Role.WORK_TEAM,
    },
    _("read return-to-poverty alerts, assessments and monitored households of their region"),
)
#: who keeps the catalogue, the risk rules and the monitoring line, and loads feeds
CATALOGUE_KEEPERS = portal.declare_roles(
    "monitoring",
    "catalogue",
    {Role.COUNTY_OFFICER},
    _("edit the data catalogue, risk rules and monitoring line; load department feeds"),
)
#: who works the township queue (township and county staff)
QUEUE_WORKERS = portal.declare_roles(
    "monitoring",
    "queue",
    {Role.COUNTY_OFFICER, Role.TOWNSHIP_OFFICER},
    _("work the alert queue: assign, review, see portraits"),
)
#: who takes the village's steps of an alert (verification, appraisal, public notice)
VILLAGE_STEPS = portal.declare_roles(
    "monitoring",
    "village",
    {Role.VILLAGE_CADRE, Role.FIRST_SECRETARY, Role.WORK_TEAM},
    _("verify alerts on site, hold appraisals and public notices, record household income"),
)
#: township review of alerts and of risk elimination
TOWNSHIP_STEPS = portal.declare_roles(
    "monitoring", "township", {Role.TOWNSHIP_OFFICER}, _("review alerts and risk elimination")
)
#: county approval of enrolment
COUNTY_STEPS = portal.declare_roles(
    "monitoring", "county", {Role.COUNTY_OFFICER}, _("approve enrolment as monitored household")
)
#: who may flag a household after a visit (the grid issue calls the same service)
VISIT_FLAGGERS = portal.declare_roles(
    "monitoring",
    "visit",
    {Role.VILLAGE_CADRE, Role.GRID_WORKER, Role.FIRST_SECRETARY, Role.WORK_TEAM},
    _("flag a household for verification after a visit"),
)
#: who may be paired with a household at risk (结对帮扶) and sees their pairings at home
PAIRED = portal.declare_roles(
    "monitoring",
    "paired",
    {
        Role.VILLAGE_CADRE,
        Role.GRID_WORKER,
        Role.TOWNSHIP_OFFICER,
        Role.FIRST_SECRETARY,
        Role.WORK_TEAM,
    },
    _("be paired with households at risk: visit them and follow their measures"),
)
