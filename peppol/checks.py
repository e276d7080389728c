from django.conf import settings
from django.core import checks


@checks.register()
def local_backend_is_not_an_implicit_production_default(app_configs, **kwargs):
    if not settings.DEBUG and not settings.KYTE_PEPPOL_BACKEND:
        return [
            checks.Error(
                "KYTE_PEPPOL_BACKEND is not set and DEBUG is off: the local Peppol network would keep every "
                "invoice inside this installation.",
                hint="Set KYTE_PEPPOL_BACKEND=as4 for production, or KYTE_PEPPOL_BACKEND=local explicitly for a "
                "demo or a test installation.",
                id="kyte.E101",
            )
        ]
    return []
