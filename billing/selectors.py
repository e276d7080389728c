from __future__ import annotations

from django.utils import timezone

from accounts.models import Dossier, DossierMembership, Firm
from billing.models import FirmKyte, KyteSubscription


def kyte_state(dossier: Dossier) -> KyteSubscription:
    """The dossier's Kyte state, unsaved when it never had one (no write on a read)."""
    sub = KyteSubscription.objects.filter(dossier=dossier).select_related("activated_by").first()
    return sub or KyteSubscription(dossier=dossier)


def firm_kyte(firm: Firm) -> FirmKyte:
    return FirmKyte.objects.filter(firm=firm).first() or FirmKyte(firm=firm)


def firm_subscriptions(*, firm: Firm, dossiers) -> dict[int, KyteSubscription]:
    """Kyte state of a page of dossiers in one query."""
    subs = {
        s.dossier_id: s
        for s in KyteSubscription.objects.filter(dossier__in=list(dossiers)).select_related("activated_by")
    }
    return {d.pk: subs.get(d.pk) or KyteSubscription(dossier=d) for d in dossiers}


def should_prompt(*, user, dossier: Dossier, sub: KyteSubscription, fk: FirmKyte | None = None) -> bool:
    """The activation pop-up: dossier owner, Kyte available but not active, not snoozed."""
    if sub.is_active or not sub.is_available(fk):
        return False
    membership = DossierMembership.objects.filter(dossier=dossier, user=user, role="owner").first()
    if membership is None:
        return False
    return (
        membership.kyte_prompt_snoozed_until is None or membership.kyte_prompt_snoozed_until <= timezone.now()
    )
