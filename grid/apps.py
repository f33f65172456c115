from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "grid"
    verbose_name = _("Grid governance")

    def ready(self) -> None:
        from grid import portal

        portal.register()
