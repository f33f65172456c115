"""What villages itself brings to the shared pages: the staff accounts menu entry."""

from django.utils.translation import gettext_lazy as _

from villages.models import STAFF_MANAGERS
from villages.registry import MenuEntry, portal


def register() -> None:
    portal.add_menu(
        MenuEntry(
            key="staff",
            label=_("Staff"),
            url_name="villages:staff_list",
            roles=STAFF_MANAGERS,
            order=90,
            active_for=("villages:staff_detail", "villages:staff_create"),
        )
    )
