from __future__ import annotations

from villages.models import REGISTRY_READERS, STAFF_MANAGERS
from villages.scoping import region_codes


def staff(request) -> dict:
    """What the staff navigation needs to know about the user, computed lazily."""
    user = getattr(request, "user", None)

    def can_read_registry() -> bool:
        if user is None or not user.is_authenticated:
            return False
        return user.is_superuser or bool(region_codes(user, REGISTRY_READERS))

    def can_manage_staff() -> bool:
        if user is None or not user.is_authenticated:
            return False
        return user.is_superuser or bool(region_codes(user, STAFF_MANAGERS))

    return {"can_read_registry": can_read_registry, "can_manage_staff": can_manage_staff}
