from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def local_backend_is_not_an_implicit_production_default(app_configs, **kwargs):
    """`manage.py check --deploy` (run by the web service before it starts) refuses an implicit local network."""
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


@checks.register()
def timeouts_are_nested(app_configs, **kwargs):
    """A sending must end before its lease, and the lease before Redis hands the task to another worker."""
    visibility = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}).get("visibility_timeout")
    lease, http = settings.KYTE_PEPPOL_LEASE_SECONDS, settings.KYTE_PEPPOL_HTTP_TIMEOUT
    problems = []
    if http * 2 >= lease:
        problems.append(
            checks.Warning(
                f"KYTE_PEPPOL_LEASE_SECONDS ({lease}) should exceed twice KYTE_PEPPOL_HTTP_TIMEOUT ({http}).",
                id="kyte.W102",
            )
        )
    if visibility is not None and visibility <= lease:
        problems.append(
            checks.Warning(
                f"CELERY_VISIBILITY_TIMEOUT ({visibility}) should exceed KYTE_PEPPOL_LEASE_SECONDS ({lease}).",
                id="kyte.W103",
            )
        )
    return problems
