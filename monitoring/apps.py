from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    # Built by its own issue; empty until then (DESIGN §2).
    name = "monitoring"
    verbose_name = _("Poverty monitoring")
