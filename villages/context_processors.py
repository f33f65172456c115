from __future__ import annotations

from villages.models import AUDITORS, REGISTRY_READERS, STAFF_MANAGERS
from villages.scoping import holds_role


def staff(request) -> dict:
    """What the staff navigation needs to know about the user, computed lazily."""
    user = getattr(request, "user", None)
    return {
        "can_read_registry": lambda: holds_role(user, REGISTRY_READERS),
        "can_audit": lambda: holds_role(user, AUDITORS),
        "can_manage_staff": lambda: holds_role(user, STAFF_MANAGERS),
    }
