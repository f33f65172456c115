from __future__ import annotations

from villages.models import AUDITORS, REGISTRY_READERS, STAFF_MANAGERS
from villages.scoping import region_codes


def staff(request) -> dict:
    """What the staff navigation needs to know about the user, computed lazily."""
    user = getattr(request, "user", None)

    def holds(roles) -> bool:
        if user is None or not user.is_authenticated:
            return False
        return user.is_superuser or bool(region_codes(user, roles))

    return {
        "can_read_registry": lambda: holds(REGISTRY_READERS),
        "can_audit": lambda: holds(AUDITORS),
        "can_manage_staff": lambda: holds(STAFF_MANAGERS),
    }
