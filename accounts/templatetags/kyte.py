from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

register = template.Library()

AUDIT_LABELS = {
    "kyte.firm.created": _("Firm created"),
    "kyte.firm.updated": _("Firm data changed"),
    "kyte.firm.member_removed": _("Staff member removed"),
    "kyte.dossier.created": _("Dossier created"),
    "kyte.dossier.updated": _("Dossier data changed"),
    "kyte.dossier.imported": _("Dossiers imported"),
    "kyte.dossier.member_removed": _("Access removed"),
    "kyte.invitation.created": _("Invitation sent"),
    "kyte.invitation.accepted": _("Invitation accepted"),
    "kyte.invitation.revoked": _("Invitation withdrawn"),
}


@register.filter
def audit_label(entry) -> str:
    label = AUDIT_LABELS.get(entry.action, entry.action)
    email = entry.data.get("email") if isinstance(entry.data, dict) else None
    return f"{label} · {email}" if email else str(label)


@register.filter
def field_label(name: str, entry) -> str:
    """The translated verbose name of a changed field, for the history."""
    try:
        model = apps.get_model(entry.object_type) if entry.object_type else None
        return str(model._meta.get_field(name).verbose_name) if model else name
    except (LookupError, FieldDoesNotExist, ValueError):
        return name
