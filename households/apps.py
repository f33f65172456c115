from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Registry of people")

    def ready(self) -> None:
        from households import portal

        portal.register()
