from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    # Built by its own issue; empty until then (DESIGN §2).
    name = "points"
    verbose_name = _("Moral points")
