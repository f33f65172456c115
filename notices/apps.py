from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    # Built by its own issue; empty until then (DESIGN §2).
    name = "notices"
    verbose_name = _("Notices")
