"""Customers, products, invoices and credit notes of a dossier, and the numbering series."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import format_enterprise_number
from accounts.models import Address, Dossier, Language, new_code
from invoicing.vat import VatCase


class Unit(models.TextChoices):
    """UN/ECE Recommendation 20 unit codes, with readable labels."""

    UNIT = "C62", _("unit")
    PIECE = "H87", _("piece")
    HOUR = "HUR", _("hour")
    DAY = "DAY", _("day")
    WEEK = "WEE", _("week")
    MONTH = "MON", _("month")
    KILOGRAM = "KGM", _("kg")
    METRE = "MTR", _("metre")
    SQUARE_METRE = "MTK", _("m²")
    LITRE = "LTR", _("litre")
    KILOMETRE = "KMT", _("km")
    SET = "SET", _("set")
    LUMP_SUM = "LS", _("lump sum")


class CustomerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    PERSON = "person", _("Private person")


class Customer(Address):
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="customers")
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    kind = models.CharField(
        _("kind"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.COMPANY
    )
    legal_name = models.CharField(_("name"), max_length=200)
    enterprise_number = models.CharField(_("enterprise number"), max_length=10, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.FR)
    peppol_scheme = models.CharField(_("Peppol scheme"), max_length=4, blank=True, help_text=_("e.g. 0208"))
    peppol_id = models.CharField(_("Peppol identifier"), max_length=50, blank=True)
    payment_term_days = models.PositiveSmallIntegerField(_("payment term (days)"), default=30)
    buyer_reference = models.CharField(_("buyer reference"), max_length=100, blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["legal_name"]
        indexes = [models.Index(fields=["dossier", "legal_name"])]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def enterprise_number_display(self) -> str:
        return format_enterprise_number(self.enterprise_number)

    @property
    def peppol_endpoint(self) -> str:
        return f"{self.peppol_scheme}:{self.peppol_id}" if self.peppol_scheme and self.peppol_id else ""


class Product(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="products")
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=3, choices=Unit.choices, default=Unit.UNIT)
    unit_price = models.DecimalField(_("unit price excl. VAT"), max_digits=15, decimal_places=4)
    vat_case = models.CharField(_("VAT"), max_length=20, choices=VatCase.choices, default=VatCase.STANDARD)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2, default=Decimal("21"))
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        verbose_name = _("product or service")
        verbose_name_plural = _("products and services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    CREDITED = "credited", _("Credited")


class NumberSeries(models.Model):
    """One counter row per dossier, document kind and year (year 0 when the series never resets).

    `invoicing.numbering.next_number` locks this row for the issuing transaction: numbers are gapless and unique.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="number_series")
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField(default=0)
    prefix = models.CharField(max_length=20, blank=True)
    last_number = models.PositiveIntegerField(default=0)
    last_issue_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dossier", "kind", "year"], name="series_unique")]

    def __str__(self) -> str:
        return f"{self.dossier} {self.kind} {self.year}: {self.last_number}"


class NumberingSettings(models.Model):
    """Per-dossier numbering choices (prefixes and yearly reset)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="numbering")
    invoice_prefix = models.CharField(_("invoice prefix"), max_length=12, default="F")
    credit_note_prefix = models.CharField(_("credit note prefix"), max_length=12, default="NC")
    yearly_reset = models.BooleanField(_("restart numbering every year"), default=True)

    def __str__(self) -> str:
        return f"Numbering of {self.dossier}"


class Invoice(models.Model):
    """An invoice or credit note. Drafts are editable; issued documents are a frozen snapshot and never change."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="invoices")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=12, choices=DocumentKind.choices, default=DocumentKind.INVOICE
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="invoices",
        null=True,
        blank=True,
    )
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    period_start = models.DateField(_("service period from"), null=True, blank=True)
    period_end = models.DateField(_("service period to"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    buyer_reference = models.CharField(_("buyer reference"), max_length=100, blank=True)
    order_reference = models.CharField(_("purchase order"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    language = models.CharField(
        _("document language"), max_length=5, choices=Language.choices, default=Language.FR
    )
    credited_invoice = models.ForeignKey(
        "self",
        verbose_name=_("credited invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
    )
    # Assigned at issue.
    series_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    number = models.CharField(_("number"), max_length=40, blank=True)
    structured_reference = models.CharField(_("structured communication"), max_length=24, blank=True)
    line_total = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    allowance_total = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    charge_total = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    tax_exclusive = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    tax_total = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    tax_inclusive = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    payable = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    snapshot = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)
    pdf = models.FileField(upload_to="invoices/%Y/", blank=True)
    ubl = models.FileField(upload_to="ubl/%Y/", blank=True)  # the legal original of a Peppol invoice
    ubl_sha256 = models.CharField(max_length=64, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-sequence", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "kind", "series_year", "sequence"],
                name="invoice_number_unique",
                condition=models.Q(sequence__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["dossier", "status", "issue_date"]),
            models.Index(fields=["dossier", "kind", "-issue_date"]),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft"))

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    def delete(self, *args, **kwargs):
        if not self.is_draft:
            raise ValueError("An issued invoice is never deleted: correct it with a credit note.")
        return super().delete(*args, **kwargs)


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=15, decimal_places=4, default=Decimal("1"))
    unit = models.CharField(_("unit"), max_length=3, choices=Unit.choices, default=Unit.UNIT)
    unit_price = models.DecimalField(_("unit price"), max_digits=15, decimal_places=4, default=Decimal("0"))
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    vat_case = models.CharField(_("VAT"), max_length=20, choices=VatCase.choices, default=VatCase.STANDARD)
    vat_rate = models.DecimalField(_("VAT %"), max_digits=5, decimal_places=2, default=Decimal("21"))
    net_amount = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


class AllowanceCharge(models.Model):
    """A document-level discount (allowance) or surcharge (charge), in a VAT category."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="allowances_charges")
    is_charge = models.BooleanField(_("charge"), default=False)
    reason = models.CharField(_("reason"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=15, decimal_places=2)
    vat_case = models.CharField(_("VAT"), max_length=20, choices=VatCase.choices, default=VatCase.STANDARD)
    vat_rate = models.DecimalField(_("VAT %"), max_digits=5, decimal_places=2, default=Decimal("21"))

    def __str__(self) -> str:
        return self.reason


class Branding(models.Model):
    """How the dossier's documents look: logo, accent colour, footer and payment instructions."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="branding")
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True)
    logo_type = models.CharField(max_length=40, blank=True)
    accent_color = models.CharField(_("accent colour"), max_length=7, default="#1f4fd8")
    footer_text = models.CharField(_("footer text"), max_length=300, blank=True)
    payment_instructions = models.CharField(_("payment instructions"), max_length=300, blank=True)
    rpr_court = models.CharField(
        _("RPR/RPM court"),
        max_length=80,
        blank=True,
        help_text=_("Court of the registered office, e.g. RPM Liège, division Namur"),
    )

    def __str__(self) -> str:
        return f"Branding of {self.dossier}"
