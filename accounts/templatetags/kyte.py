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
    "kyte.subscription.trial": _("Kyte trial started"),
    "kyte.subscription.active": _("Kyte subscription active"),
    "kyte.subscription.past_due": _("Kyte payment overdue"),
    "kyte.subscription.not_active": _("Kyte stopped"),
    "kyte.subscription.renewed": _("Kyte subscription renewed"),
    "kyte.subscription.cancel_scheduled": _("Kyte subscription cancelled at the end of the period"),
    "kyte.subscription.cancel_revoked": _("Kyte cancellation withdrawn"),
    "kyte.availability.dossier": _("Kyte availability changed"),
    "kyte.availability.default": _("Kyte default availability changed"),
    "kyte.contact.updated": _("Kyte contact details changed"),
    "kyte.mode.switched": _("Kyte subscription management changed"),
    "kyte.trial.reminder": _("Kyte trial reminder sent"),
    "kyte.firm_billing.quantity": _("Firm billing updated"),
    "kyte.month.closed": _("Month closed (Surveillance)"),
    "kyte.month.adjusted": _("Closed month adjusted (Surveillance)"),
}


def _reason(entry) -> str:
    reason = entry.data.get("reason") if isinstance(entry.data, dict) else None
    return str(REASONS.get(reason, "")) if reason else ""


REASONS = {
    "trial_started": _("activation"),
    "trial_expired": _("end of the trial"),
    "stopped": _("stopped by the user"),
    "withdrawn_by_firm": _("withdrawn by the firm"),
    "subscription_started": _("payment"),
    "firm_subscription_started": _("billed to the firm"),
    "cancelled_at_period_end": _("end of the paid period"),
    "mode_switched": _("change of who manages the subscription"),
}


@register.filter
def audit_label(entry) -> str:
    label = AUDIT_LABELS.get(entry.action, entry.action)
    detail = (entry.data.get("email") if isinstance(entry.data, dict) else None) or _reason(entry)
    return f"{label} · {detail}" if detail else str(label)


@register.filter
def field_label(name: str, entry) -> str:
    """The translated verbose name of a changed field, for the history."""
    try:
        model = apps.get_model(entry.object_type) if entry.object_type else None
        return str(model._meta.get_field(name).verbose_name) if model else name
    except (LookupError, FieldDoesNotExist, ValueError):
        return name


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
