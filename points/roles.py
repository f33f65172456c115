"""The points bank's role sets (DESIGN §2, §1.4), declared in the portal registry so the
staff pages can say what each role may do here."""

from django.utils.translation import gettext_lazy as _

from villages.models import Role
from villages.registry import portal

#: who reads points entries, honours and totals of their region
POINTS_READERS = portal.declare_roles(
    "points",
    "readers",
    {Role.COUNTY_OFFICER, Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE},
    _("read moral points, honours and totals of their region"),
)
#: who keeps the village's catalogue, records, approves and revokes entries, awards honours
POINTS_KEEPERS = portal.declare_roles(
    "points",
    "keepers",
    {Role.VILLAGE_CADRE},
    _("keep the points rules, record, approve and revoke points, award honours"),
)
#: who sees the co-op: its goods, redemptions and households' balances
COOP_READERS = portal.declare_roles(
    "points",
    "co-op readers",
    {Role.COUNTY_OFFICER, Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE, Role.COOP_CLERK},
    _("see the co-op's goods, redemptions and households' points balances"),
)
#: who redeems points for co-op goods and keeps the goods (the clerk: nothing else)
COOP_CLERKS = portal.declare_roles(
    "points",
    "co-op",
    {Role.COOP_CLERK},
    _("redeem points for co-op goods and keep the co-op's goods"),
)
