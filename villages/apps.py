from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = _("Regions and staff")

    def ready(self) -> None:
        from villages import portal, third_party

        portal.register()
        third_party.install()
