from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeppolConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "peppol"
    verbose_name = _("Peppol")

    def ready(self):
        from peppol import checks  # noqa: F401 - registers the system checks
