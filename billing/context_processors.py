from billing.models import KyteSubscription, Status


def kyte(request):
    """Whether the current dossier shows the Kyte entry in its left menu (one query, dossier pages only)."""
    dossier = getattr(request, "dossier", None)
    if dossier is None:
        return {}
    cached = getattr(request, "_kyte_menu", None)
    if cached is None:
        status = KyteSubscription.objects.filter(dossier=dossier).values_list("status", flat=True).first()
        cached = {"kyte_menu": status is not None and Status(status).is_active, "kyte_status": status}
        request._kyte_menu = cached
    return cached
