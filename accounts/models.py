from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import format_enterprise_number, format_iban
from accounts.roles import DossierRole, FirmRole

# Crockford-like alphabet without look-alikes, for codes people read aloud over the phone.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


class Language(models.TextChoices):
    FR = "fr", _("French")
    NL = "nl", _("Dutch")
    EN = "en", _("English")
    DE = "de", _("German")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Log in with the e-mail address; no usernames."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.FR)
    is_staff = models.BooleanField(_("support staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email.split("@")[0]


class Address(models.Model):
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(
        _("country"), max_length=2, default="BE", help_text=_("ISO 3166 code, e.g. BE")
    )

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        return [
            line for line in (self.street, f"{self.postal_code} {self.city}".strip(), self.country) if line
        ]


class Firm(Address):
    """An accounting office. Tenant of the first level (≈ pretix organizer)."""

    slug = models.SlugField(_("short name in URLs"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    enterprise_number = models.CharField(_("enterprise number"), max_length=10, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def enterprise_number_display(self) -> str:
        return format_enterprise_number(self.enterprise_number)


class FirmMembership(models.Model):
    """A staff member of a firm. An accountant works for one firm."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="memberships")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="firm_membership"
    )
    role = models.CharField(_("role"), max_length=20, choices=FirmRole.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("firm member")
        verbose_name_plural = _("firm members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.firm} ({self.role})"

    @property
    def role_enum(self) -> FirmRole:
        return FirmRole(self.role)


class LegalForm(models.TextChoices):
    SOLE = "sole", _("Sole trader (natural person)")
    SRL = "srl", _("SRL / BV (private limited company)")
    SA = "sa", _("SA / NV (public limited company)")
    SC = "sc", _("SC / CV (cooperative company)")
    SNC = "snc", _("SNC / VOF (general partnership)")
    SCOMM = "scomm", _("SComm / CommV (limited partnership)")
    ASBL = "asbl", _("ASBL / VZW (non-profit association)")
    SOCIETE_SIMPLE = "ss", _("Société simple / Maatschap (partnership)")
    OTHER = "other", _("Other")


class Dossier(Address):
    """A client company file held by one firm. Tenant of the second level (≈ pretix event)."""

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="dossiers")
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    legal_name = models.CharField(_("legal name"), max_length=200)
    legal_form = models.CharField(
        _("legal form"), max_length=10, choices=LegalForm.choices, default=LegalForm.SRL
    )
    enterprise_number = models.CharField(
        _("enterprise number"), max_length=10, help_text=_("KBO/BCE number, e.g. 0403.170.701")
    )
    vat_number = models.CharField(
        _("VAT number"), max_length=20, blank=True, help_text=_("Empty if not VAT-registered")
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.FR)
    accountant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accountant in charge"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dossiers_in_charge",
    )
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "enterprise_number"], name="dossier_unique_enterprise_per_firm"
            ),
        ]
        indexes = [models.Index(fields=["firm", "legal_name"])]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def enterprise_number_display(self) -> str:
        return format_enterprise_number(self.enterprise_number)

    @property
    def iban_display(self) -> str:
        return format_iban(self.iban)


class DossierMembership(models.Model):
    """An entrepreneur (or their staff) with access to one dossier."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dossier_memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=DossierRole.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    kyte_prompt_snoozed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dossier member")
        verbose_name_plural = _("dossier members")
        constraints = [models.UniqueConstraint(fields=["dossier", "user"], name="dossier_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.dossier} ({self.role})"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")


class Invitation(models.Model):
    """A single-use, expiring invitation to join a firm (staff) or a dossier (entrepreneur).

    Only the SHA-256 of the token is stored; the token itself exists only in the e-mail.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="invitations")
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.dossier or self.firm}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_usable(self) -> bool:
        return self.status == InvitationStatus.PENDING and not self.is_expired

    @property
    def role_label(self) -> str:
        roles = DossierRole if self.dossier_id else FirmRole
        return roles(self.role).label


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError("Audit entries are append-only.")

    def delete(self):
        raise ValueError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """Append-only history. Written by services through `accounts.services.audit_log`."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, null=True, related_name="audit_entries")
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=100)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["dossier", "-at"]), models.Index(fields=["firm", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries cannot be deleted.")
