"""Reads of the accounts domain. Every query that reaches a view starts from a tenant."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from accounts.models import (
    AuditEntry,
    Dossier,
    DossierMembership,
    Firm,
    FirmMembership,
    Invitation,
    InvitationStatus,
)


def firm_dossiers(
    *, firm: Firm, search: str = "", accountant_id: str = "", language: str = "", archived: bool = False
) -> QuerySet[Dossier]:
    qs = firm.dossiers.filter(is_archived=archived).select_related("accountant")
    search = search.strip()
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        condition = Q(legal_name__icontains=search) | Q(city__icontains=search) | Q(email__icontains=search)
        if len(digits) >= 3:
            condition |= Q(enterprise_number__contains=digits)
        qs = qs.filter(condition)
    if accountant_id == "none":
        qs = qs.filter(accountant__isnull=True)
    elif accountant_id.isdigit():
        qs = qs.filter(accountant_id=int(accountant_id))
    if language:
        qs = qs.filter(language=language)
    return qs.order_by("legal_name", "pk")


def paginate(qs, *, page: str | int | None, per_page: int = 25) -> Page:
    return Paginator(qs, per_page).get_page(page)


def firm_staff(*, firm: Firm) -> QuerySet[FirmMembership]:
    return firm.memberships.select_related("user").order_by("user__full_name", "user__email")


def firm_pending_invitations(*, firm: Firm) -> QuerySet[Invitation]:
    return firm.invitations.filter(dossier__isnull=True, status=InvitationStatus.PENDING).select_related(
        "invited_by"
    )


def dossier_members(*, dossier: Dossier) -> QuerySet[DossierMembership]:
    return dossier.memberships.select_related("user").order_by("user__full_name", "user__email")


def dossier_pending_invitations(*, dossier: Dossier) -> QuerySet[Invitation]:
    return dossier.invitations.filter(status=InvitationStatus.PENDING).select_related("invited_by")


def dossier_history(*, dossier: Dossier, limit: int = 50) -> QuerySet[AuditEntry]:
    return dossier.audit_entries.select_related("actor")[:limit]


def user_dossiers(*, user) -> QuerySet[Dossier]:
    """The dossiers an entrepreneur belongs to (for the header switcher)."""
    if not user.is_authenticated:
        return Dossier.objects.none()
    return (
        Dossier.objects.filter(memberships__user=user, is_archived=False)
        .select_related("firm")
        .order_by("legal_name")
    )


def user_firm_membership(*, user) -> FirmMembership | None:
    if not user.is_authenticated:
        return None
    return FirmMembership.objects.select_related("firm").filter(user=user).first()
