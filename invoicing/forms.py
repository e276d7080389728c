from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import IdentifierFieldsMixin
from invoicing.models import Customer, Invoice, Product, Unit
from invoicing.vat import RULES, VatCase


class CustomerForm(IdentifierFieldsMixin, forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "kind",
            "legal_name",
            "enterprise_number",
            "vat_number",
            "street",
            "postal_code",
            "city",
            "country",
            "email",
            "language",
            "peppol_scheme",
            "peppol_id",
            "payment_term_days",
            "buyer_reference",
        ]

    def clean_enterprise_number(self):
        value = self.cleaned_data.get("enterprise_number", "")
        country = (self.data.get(self.add_prefix("country")) or "BE").upper()
        if not value or country != "BE":
            return value.strip() if value else ""
        return super().clean_enterprise_number()

    def clean_payment_term_days(self):
        days = self.cleaned_data["payment_term_days"]
        if self.data.get(self.add_prefix("kind"), "company") == "company" and days > 60:
            raise ValidationError(
                _("Between businesses a payment term may not exceed 60 days (law of 2 August 2002).")
            )
        return days

    def clean(self):
        return self.check_vat_matches(super().clean())


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "description", "unit", "unit_price", "vat_case", "vat_rate"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        check_rate(self, cleaned)
        return cleaned


def check_rate(form, cleaned, field="vat_rate"):
    case, rate = cleaned.get("vat_case"), cleaned.get(field)
    if case and rate is not None and Decimal(rate) not in RULES[VatCase(case)].rates:
        allowed = ", ".join(f"{r.normalize()} %" for r in RULES[VatCase(case)].rates)
        form.add_error(
            field,
            _("For “%(case)s” the rate is %(rates)s.") % {"case": VatCase(case).label, "rates": allowed},
        )


class InvoiceHeaderForm(forms.ModelForm):
    class Meta:
        model = Invoice
        fields = [
            "customer",
            "issue_date",
            "delivery_date",
            "period_start",
            "period_end",
            "due_date",
            "currency",
            "buyer_reference",
            "order_reference",
            "language",
            "notes",
            "credited_invoice",
        ]
        widgets = {
            name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            for name in ("issue_date", "delivery_date", "period_start", "period_end", "due_date")
        }
        widgets["notes"] = forms.Textarea(attrs={"rows": 2})

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = dossier.customers.filter(is_archived=False).order_by("legal_name")
        self.fields["customer"].required = False
        if self.instance.kind == "credit_note":
            # A standalone credit note names the invoice it corrects (number and date are printed on it).
            self.fields["credited_invoice"].queryset = dossier.invoices.filter(
                kind="invoice", status__in=["issued", "credited"]
            ).order_by("-issue_date", "-sequence")
            self.fields["credited_invoice"].label_from_instance = lambda inv: (
                f"{inv.number} · {inv.issue_date:%d/%m/%Y} · {inv.snapshot.get('buyer', {}).get('name', '')}"
            )
        else:
            del self.fields["credited_invoice"]
        self.fields["currency"].widget = forms.Select(choices=[("EUR", "EUR")])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        issue, due = cleaned.get("issue_date"), cleaned.get("due_date")
        if issue and due and due < issue:
            self.add_error("due_date", _("The due date cannot be before the issue date."))
        return cleaned


class LineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=500)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=15,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        initial=Decimal("1"),
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices, initial=Unit.UNIT)
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=15, decimal_places=4, min_value=Decimal("0")
    )
    discount_percent = forms.DecimalField(
        label=_("Discount %"),
        max_digits=5,
        decimal_places=2,
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        initial=Decimal("0"),
    )
    vat_case = forms.ChoiceField(label=_("VAT"), choices=VatCase.choices, initial=VatCase.STANDARD)
    vat_rate = forms.DecimalField(label=_("VAT %"), max_digits=5, decimal_places=2, initial=Decimal("21"))

    def clean(self):
        cleaned = super().clean()
        cleaned["discount_percent"] = cleaned.get("discount_percent") or Decimal("0")
        check_rate(self, cleaned)
        return cleaned


class AllowanceForm(forms.Form):
    is_charge = forms.TypedChoiceField(
        label=_("Kind"), coerce=lambda v: v == "1", choices=[("0", _("Discount")), ("1", _("Surcharge"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    amount = forms.DecimalField(label=_("Amount"), max_digits=15, decimal_places=2, min_value=Decimal("0.01"))
    vat_case = forms.ChoiceField(label=_("VAT"), choices=VatCase.choices, initial=VatCase.STANDARD)
    vat_rate = forms.DecimalField(label=_("VAT %"), max_digits=5, decimal_places=2, initial=Decimal("21"))

    def clean(self):
        cleaned = super().clean()
        check_rate(self, cleaned)
        return cleaned


LineFormSet = forms.formset_factory(LineForm, extra=0, can_delete=True, max_num=300, validate_max=True)
AllowanceFormSet = forms.formset_factory(
    AllowanceForm, extra=0, can_delete=True, max_num=20, validate_max=True
)


class BrandingForm(forms.ModelForm):
    logo_upload = forms.FileField(label=_("Logo (PNG, JPEG or SVG, 512 KB at most)"), required=False)
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        from invoicing.models import Branding

        model = Branding
        fields = ["accent_color", "footer_text", "payment_instructions", "rpr_court"]
        widgets = {"accent_color": forms.TextInput(attrs={"type": "color"})}

    def clean_accent_color(self):
        import re

        value = self.cleaned_data["accent_color"]
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", value or ""):
            raise ValidationError(_("Use a colour like #1f4fd8."))
        return value.lower()

    def clean_logo_upload(self):
        from invoicing.branding import clean_logo

        upload = self.cleaned_data.get("logo_upload")
        return clean_logo(upload) if upload else None


class NumberingForm(forms.ModelForm):
    class Meta:
        from invoicing.models import NumberingSettings

        model = NumberingSettings
        fields = ["invoice_prefix", "credit_note_prefix", "yearly_reset"]

    def clean(self):
        import re

        cleaned = super().clean()
        for name in ("invoice_prefix", "credit_note_prefix"):
            value = cleaned.get(name, "")
            if value and not re.fullmatch(r"[A-Za-z0-9/_-]{1,12}", value):
                self.add_error(name, _("Use letters, digits, - / or _ (12 at most)."))
        if cleaned.get("invoice_prefix") and cleaned.get("invoice_prefix") == cleaned.get(
            "credit_note_prefix"
        ):
            self.add_error("credit_note_prefix", _("Credit notes need their own prefix."))
        return cleaned
