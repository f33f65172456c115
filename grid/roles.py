"""The grid app's role sets (DESIGN §2, §1.3), declared in the portal registry so the staff
pages can say what each role may do here."""

from django.utils.translation import gettext_lazy as _

from villages.models import REGION_READERS, Role
from villages.registry import portal

#: who reads grids, their people and households in their region
GRID_READERS = portal.declare_roles(
    "grid",
    "readers",
    REGION_READERS,
    _("read the grids of their region, their people and households"),
)
#: who cuts the village into grids, names their people and assigns households
GRID_KEEPERS = portal.declare_roles(
    "grid",
    "keepers",
    {Role.VILLAGE_CADRE},
    _("cut the village into grids, name their people and assign households"),
)
#: who visits households and records the visits (the village's cadres and grid workers)
VISITORS = portal.declare_roles(
    "grid",
    "visitors",
    {Role.VILLAGE_CADRE, Role.GRID_WORKER, Role.FIRST_SECRETARY, Role.WORK_TEAM},
    _("visit households and record the visits, safety patrols included"),
)
#: who takes residents' matters in and handles them in the village
MATTER_TAKERS = portal.declare_roles(
    "grid",
    "matters",
    {Role.VILLAGE_CADRE, Role.GRID_WORKER},
    _("take in residents' matters and proxy services"),
)
#: who handles a matter at each level (resolve, assign, send it up)
MATTER_HANDLERS = {
    "village": frozenset({Role.VILLAGE_CADRE}),
    "township": frozenset({Role.TOWNSHIP_OFFICER}),
    "county": frozenset({Role.COUNTY_OFFICER}),
}
#: who keeps the village's 民情日志 (the cadres' daily log of people's situations)
LOG_WRITERS = portal.declare_roles(
    "grid",
    "log",
    {Role.VILLAGE_CADRE, Role.FIRST_SECRETARY, Role.WORK_TEAM},
    _("keep the village's daily log of people's situations (民情日志) and publish its summary"),
)
#: who reads the log: its writers, the village head among them, and the township and county
LOG_READERS = portal.declare_roles(
    "grid",
    "log readers",
    {
        Role.COUNTY_OFFICER,
        Role.TOWNSHIP_OFFICER,
        Role.VILLAGE_CADRE,
        Role.FIRST_SECRETARY,
        Role.WORK_TEAM,
    },
    _("read the village's daily log of people's situations"),
)
