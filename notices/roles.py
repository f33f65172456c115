"""The notices app's role sets (DESIGN §2, §1.4), declared in the portal registry so the
staff pages can say what each role may do here."""

from django.utils.translation import gettext_lazy as _

from villages.models import REGION_READERS, Role
from villages.registry import portal

#: who reads the notices of their region (and those of the regions above it)
NOTICE_READERS = portal.declare_roles(
    "notices",
    "readers",
    REGION_READERS,
    _("read the notices and open-affairs disclosures of their region"),
)
#: who writes, publishes and archives notices at their own level (a county officer for the
#: county, a township officer for the township, a cadre for the village)
NOTICE_KEEPERS = portal.declare_roles(
    "notices",
    "keepers",
    {Role.COUNTY_OFFICER, Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE},
    _("write, publish and archive notices and financial disclosures of their region"),
)
#: who reads the voice of the people (群众之声) sent from their villages
VOICE_READERS = portal.declare_roles(
    "notices",
    "voice readers",
    {Role.COUNTY_OFFICER, Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE},
    _("read the messages residents send through the voice of the people"),
)
#: who answers those messages, closes them or turns them into grid matters
VOICE_HANDLERS = portal.declare_roles(
    "notices",
    "voice handlers",
    {Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE},
    _("answer residents' messages, close them or turn them into matters"),
)
#: who pushes messages down to the cadres and grid workers of their region
BROADCASTERS = portal.declare_roles(
    "notices",
    "broadcasters",
    {Role.COUNTY_OFFICER, Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE},
    _("send messages (in the portal and by text message) to the staff of their region"),
)
#: every staff role has an inbox of messages addressed to them
INBOX_HOLDERS = frozenset(Role.values)
#: who reads the broadcasts to residents of their region and how they were delivered
CALLOUT_READERS = portal.declare_roles(
    "notices",
    "broadcast readers",
    {Role.COUNTY_OFFICER, Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE},
    _("read the broadcasts to residents of their region and their deliveries"),
)
#: who broadcasts to residents (天音): a village's cadres, a township's officers
CALLERS = portal.declare_roles(
    "notices",
    "callers",
    {Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE},
    _("broadcast to the residents of their village or township by loudspeaker and text"),
)
