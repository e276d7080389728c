"""Transport backends: one small interface, selected by the KYTE_PEPPOL_BACKEND setting."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from peppol.transport.base import (  # noqa: F401 - the interface, re-exported
    Backend,
    LookupResult,
    NotRegistered,
    Rejected,
    SendResult,
    TemporaryFailure,
    TransportError,
)

BACKENDS = {"local": "peppol.transport.local.LocalBackend", "as4": "peppol.transport.as4.AS4Backend"}


def backend_name(dossier=None) -> str:
    """The installation's backend, unless the dossier has its own (DossierTransport, set in the admin)."""
    if dossier is not None:
        from peppol.models import DossierTransport

        own = DossierTransport.objects.filter(dossier=dossier).values_list("backend", flat=True).first()
        if own:
            return own
    return settings.KYTE_PEPPOL_BACKEND or "local"


def get_backend(name: str | None = None) -> Backend:
    name = name or backend_name()
    try:
        return import_string(BACKENDS[name])()
    except KeyError:
        raise ValueError(
            f"unknown Peppol backend {name!r} (KYTE_PEPPOL_BACKEND): {', '.join(BACKENDS)}"
        ) from None
