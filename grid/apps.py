from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    # Built by its own issue; empty until then (DESIGN §2).
    name = "grid"
    verbose_name = _("Grid governance")
