"""The registry's role sets (DESIGN §2), declared in the portal registry so the staff
pages can say what each role may do here."""

from django.utils.translation import gettext_lazy as _

from villages.models import REGION_READERS, Role
from villages.registry import portal

#: who may read the registry of people; the co-op clerk sees points balances only
REGISTRY_READERS = portal.declare_roles(
    "households",
    "readers",
    REGION_READERS,
    _("read households and residents of their region, masked"),
)
#: who keeps the registry (DESIGN §2: the village cadre; grid workers only propose)
REGISTRY_KEEPERS = portal.declare_roles(
    "households",
    "keepers",
    {Role.VILLAGE_CADRE},
    _("register and change households and residents, import files"),
)
#: who reads the access log of their region (grid workers and co-op clerks do not)
AUDITORS = portal.declare_roles(
    "households",
    "auditors",
    {Role.COUNTY_OFFICER, Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE},
    _("read who saw or exported residents' data in their region"),
)
#: who sees the produce market's listings (我家有农货) of their region
PRODUCE_READERS = portal.declare_roles(
    "households",
    "produce readers",
    {Role.COUNTY_OFFICER, Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE, Role.GRID_WORKER},
    _("see the produce listings of their region"),
)
#: who approves, refuses and closes the village's produce listings
PRODUCE_MODERATORS = portal.declare_roles(
    "households",
    "produce moderators",
    {Role.VILLAGE_CADRE},
    _("approve, refuse and close the village's produce listings"),
)
#: who records who actually lives in the village (现住) and the people who came to live
#: here (流入): the village's cadres and its grid workers, who see it on their visits
PRESENCE_KEEPERS = portal.declare_roles(
    "households",
    "presence",
    {Role.VILLAGE_CADRE, Role.GRID_WORKER},
    _("record who actually lives in the village, who is away and who came to live here"),
)
