"""Writes of the accounts domain: firms, dossiers, memberships, invitations, audit log."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import (
    AuditEntry,
    Dossier,
    DossierMembership,
    Firm,
    FirmMembership,
    Invitation,
    InvitationStatus,
    User,
)
from accounts.roles import DossierRole, FirmRole
from kyte.errors import DomainError

# --- Audit log ----------------------------------------------------------------------------------------------


def audit_log(
    *,
    actor: User | None,
    firm: Firm | None = None,
    dossier: Dossier | None = None,
    obj: models.Model | None = None,
    action: str,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    if dossier is not None and firm is None:
        firm = dossier.firm
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        firm=firm,
        dossier=dossier,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        action=action,
        data=data or {},
    )


def _changes(instance: models.Model, fields: dict[str, Any]) -> dict[str, list]:
    changes = {}
    for name, new in fields.items():
        old = getattr(instance, name)
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
    return changes


def _jsonable(value):
    if isinstance(value, models.Model):
        return str(value)
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


# --- Firms --------------------------------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "firm"
    slug, n = base, 2
    while Firm.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def firm_create(*, owner: User, name: str, **fields: Any) -> Firm:
    if FirmMembership.objects.filter(user=owner).exists():
        raise DomainError(
            _("You already work for a firm; an accountant works for one firm."), "already_member"
        )
    firm = Firm.objects.create(name=name, slug=fields.pop("slug", None) or _unique_slug(name), **fields)
    FirmMembership.objects.create(firm=firm, user=owner, role=FirmRole.OWNER)
    audit_log(actor=owner, firm=firm, obj=firm, action="kyte.firm.created", data={"name": name})
    return firm


@transaction.atomic
def firm_update(*, firm: Firm, actor: User, data: dict[str, Any]) -> Firm:
    # Compare with the stored row (a bound ModelForm has already copied its values onto `firm`).
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    changes = _changes(firm, data)
    if not changes:
        return firm
    for name, value in data.items():
        setattr(firm, name, value)
    firm.save()
    audit_log(actor=actor, firm=firm, obj=firm, action="kyte.firm.updated", data={"changes": changes})
    return firm


@transaction.atomic
def firm_member_remove(*, membership: FirmMembership, actor: User) -> None:
    firm = membership.firm
    if membership.role == FirmRole.OWNER and firm.memberships.filter(role=FirmRole.OWNER).count() == 1:
        raise DomainError(_("A firm keeps at least one owner."), "last_owner")
    audit_log(
        actor=actor,
        firm=firm,
        obj=membership.user,
        action="kyte.firm.member_removed",
        data={"email": membership.user.email, "role": membership.role},
    )
    membership.delete()


# --- Dossiers -----------------------------------------------------------------------------------------------


@transaction.atomic
def dossier_create(*, firm: Firm, actor: User, **fields: Any) -> Dossier:
    if Dossier.objects.filter(firm=firm, enterprise_number=fields.get("enterprise_number")).exists():
        raise DomainError(_("This firm already has a dossier with this enterprise number."), "duplicate")
    dossier = Dossier.objects.create(firm=firm, **fields)
    audit_log(
        actor=actor,
        firm=firm,
        dossier=dossier,
        obj=dossier,
        action="kyte.dossier.created",
        data={"legal_name": dossier.legal_name, "enterprise_number": dossier.enterprise_number},
    )
    return dossier


@transaction.atomic
def dossier_update(*, dossier: Dossier, actor: User, data: dict[str, Any]) -> Dossier:
    dossier = Dossier.objects.select_for_update().select_related("firm").get(pk=dossier.pk)
    changes = _changes(dossier, data)
    if not changes:
        return dossier
    number = data.get("enterprise_number", dossier.enterprise_number)
    if Dossier.objects.filter(firm=dossier.firm, enterprise_number=number).exclude(pk=dossier.pk).exists():
        raise DomainError(_("This firm already has a dossier with this enterprise number."), "duplicate")
    for name, value in data.items():
        setattr(dossier, name, value)
    dossier.save()
    audit_log(
        actor=actor,
        dossier=dossier,
        firm=dossier.firm,
        obj=dossier,
        action="kyte.dossier.updated",
        data={"changes": changes},
    )
    return dossier


@dataclass
class ImportResult:
    created: list[Dossier]


@transaction.atomic
def dossier_import(*, firm: Firm, actor: User, rows: list[dict[str, Any]], invite: bool) -> ImportResult:
    """All rows or none: any failure (including a concurrent duplicate) rolls the whole import back."""
    created = []
    for row in rows:
        row = dict(row)
        email = row.get("email", "")
        try:
            with transaction.atomic():
                dossier = dossier_create(firm=firm, actor=actor, **row)
        except IntegrityError:
            raise DomainError(
                _(
                    "%(name)s: a dossier with this enterprise number was created meanwhile; nothing was imported."
                )
                % {"name": row.get("legal_name")},
                "duplicate",
            ) from None
        created.append(dossier)
        if invite and email:
            invitation_create(firm=firm, dossier=dossier, email=email, role=DossierRole.OWNER, actor=actor)
    audit_log(actor=actor, firm=firm, action="kyte.dossier.imported", data={"count": len(created)})
    return ImportResult(created=created)


@transaction.atomic
def dossier_member_remove(*, membership: DossierMembership, actor: User) -> None:
    audit_log(
        actor=actor,
        dossier=membership.dossier,
        firm=membership.dossier.firm,
        obj=membership.user,
        action="kyte.dossier.member_removed",
        data={"email": membership.user.email, "role": membership.role},
    )
    membership.delete()


# --- Invitations --------------------------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *, firm: Firm, email: str, role: str, actor: User, dossier: Dossier | None = None
) -> tuple[Invitation, str]:
    email = email.strip().lower()
    roles = DossierRole if dossier else FirmRole
    if role not in roles.values:
        raise DomainError(_("Unknown role."), "role")
    if dossier is None and FirmMembership.objects.filter(user__email__iexact=email).exists():
        raise DomainError(_("This person already works for a firm."), "already_member")
    if dossier is not None and dossier.memberships.filter(user__email__iexact=email).exists():
        raise DomainError(_("This person already has access to this dossier."), "already_member")
    with transaction.atomic():
        # A new invitation replaces a pending one for the same person and place.
        Invitation.objects.filter(
            firm=firm, dossier=dossier, email__iexact=email, status=InvitationStatus.PENDING
        ).update(status=InvitationStatus.REVOKED)
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            firm=firm,
            dossier=dossier,
            email=email,
            role=role,
            token_hash=_hash_token(token),
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=settings.KYTE_INVITATION_DAYS),
        )
        audit_log(
            actor=actor,
            firm=firm,
            dossier=dossier,
            obj=invitation,
            action="kyte.invitation.created",
            data={"email": email, "role": role},
        )
        transaction.on_commit(lambda: _invitation_send(invitation, token))
    return invitation, token


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", kwargs={"token": token})


def _invitation_send(invitation: Invitation, token: str) -> None:
    language = (
        invitation.dossier.language if invitation.dossier else (invitation.invited_by or User()).language
    )
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"invitation": invitation, "url": invitation_url(token), "site_url": settings.SITE_URL}
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("firm", "dossier", "invited_by")
        .filter(token_hash=_hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Invitation:
    """Single use: the row is locked, so two simultaneous clicks create one membership."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("firm", "dossier")
        .filter(token_hash=_hash_token(token))
    ).first()
    if invitation is None:
        raise DomainError(_("This invitation link is not valid."), "unknown")
    if invitation.status == InvitationStatus.ACCEPTED:
        raise DomainError(_("This invitation has already been used."), "used")
    if invitation.status == InvitationStatus.REVOKED:
        raise DomainError(_("This invitation was withdrawn. Ask for a new one."), "revoked")
    if invitation.is_expired:
        raise DomainError(_("This invitation has expired. Ask for a new one."), "expired")
    if invitation.email.lower() != user.email.lower():
        raise DomainError(
            _("This invitation was sent to %(email)s. Log in with that address to accept it.")
            % {"email": invitation.email},
            "wrong_user",
        )
    if invitation.dossier_id:
        DossierMembership.objects.get_or_create(
            dossier=invitation.dossier, user=user, defaults={"role": invitation.role}
        )
    else:
        existing = FirmMembership.objects.filter(user=user).first()
        if existing and existing.firm_id != invitation.firm_id:
            raise DomainError(
                _("You already work for another firm; an accountant works for one firm."), "other_firm"
            )
        if existing is None:
            FirmMembership.objects.create(firm=invitation.firm, user=user, role=invitation.role)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "accepted_at"])
    audit_log(
        actor=user,
        firm=invitation.firm,
        dossier=invitation.dossier,
        obj=invitation,
        action="kyte.invitation.accepted",
        data={"email": user.email, "role": invitation.role},
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> None:
    if invitation.status != InvitationStatus.PENDING:
        raise DomainError(_("Only a pending invitation can be withdrawn."), "not_pending")
    invitation.status = InvitationStatus.REVOKED
    invitation.save(update_fields=["status"])
    audit_log(
        actor=actor,
        firm=invitation.firm,
        dossier=invitation.dossier,
        obj=invitation,
        action="kyte.invitation.revoked",
        data={"email": invitation.email},
    )


def user_set_language(*, user: User, language: str) -> None:
    if user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
