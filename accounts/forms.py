from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import (
    bic_for_iban,
    format_enterprise_number,
    format_iban,
    normalize_bic,
    normalize_enterprise_number,
    normalize_iban,
    normalize_vat,
)
from accounts.models import Dossier, Firm, LegalForm, User
from accounts.roles import DossierRole, FirmRole


class IdentifierFieldsMixin:
    """Field checks for Belgian identifiers; the error names what is wrong, in the user's language."""

    # People type identifiers with dots and spaces ("0403.170.701", "BE68 5390 0754 7034"): accept the
    # longer typed form; the clean_* methods store the compact one.
    TYPED_LENGTHS = {"enterprise_number": 20, "vat_number": 30, "iban": 42, "bic": 14}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, length in self.TYPED_LENGTHS.items():
            field = self.fields.get(name)
            if field is None:
                continue
            field.max_length = length
            field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
            field.widget.attrs["maxlength"] = str(length)
            field.widget.attrs.setdefault("autocomplete", "off")
            field.widget.attrs.setdefault("spellcheck", "false")
        # Show stored identifiers the way people read them (0403.170.701, BE68 5390 0754 7034).
        if not self.is_bound:
            for name, formatter in (("enterprise_number", format_enterprise_number), ("iban", format_iban)):
                if name in self.fields and self.initial.get(name):
                    self.initial[name] = formatter(self.initial[name])

    def clean_enterprise_number(self):
        value = self.cleaned_data.get("enterprise_number", "")
        if not value and not self.fields["enterprise_number"].required:
            return ""
        return normalize_enterprise_number(value)

    def clean_vat_number(self):
        value = self.cleaned_data.get("vat_number", "")
        return normalize_vat(value) if value else ""

    def clean_iban(self):
        value = self.cleaned_data.get("iban", "")
        return normalize_iban(value) if value else ""

    def clean_bic(self):
        value = self.cleaned_data.get("bic", "")
        return normalize_bic(value) if value else ""

    def clean_country(self):
        value = (self.cleaned_data.get("country") or "").strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise ValidationError(_("Use the two-letter country code, e.g. BE."), code="country")
        return value

    def check_vat_matches(self, cleaned):
        number, vat = cleaned.get("enterprise_number"), cleaned.get("vat_number")
        if number and vat and vat.startswith("BE") and vat[2:] != number:
            self.add_error(
                "vat_number",
                _("A Belgian VAT number is BE followed by the enterprise number (BE%(n)s).") % {"n": number},
            )
        iban = cleaned.get("iban")
        if iban and not cleaned.get("bic"):
            cleaned["bic"] = bic_for_iban(iban)
        return cleaned


class FirmForm(IdentifierFieldsMixin, forms.ModelForm):
    class Meta:
        model = Firm
        fields = [
            "name",
            "enterprise_number",
            "vat_number",
            "street",
            "postal_code",
            "city",
            "country",
            "email",
            "phone",
        ]

    def clean(self):
        return self.check_vat_matches(super().clean())


class FirmSignupForm(FirmForm):
    """The firm data a new owner enters after creating their account."""

    full_name = forms.CharField(label=_("Your full name"), max_length=150)

    class Meta(FirmForm.Meta):
        pass

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise_number"].required = True
        self.order_fields(["full_name", "name", "enterprise_number", "vat_number"])


class DossierForm(IdentifierFieldsMixin, forms.ModelForm):
    class Meta:
        model = Dossier
        fields = [
            "legal_name",
            "legal_form",
            "enterprise_number",
            "vat_number",
            "street",
            "postal_code",
            "city",
            "country",
            "iban",
            "bic",
            "email",
            "phone",
            "language",
            "accountant",
        ]

    def __init__(self, *args, firm: Firm, can_assign: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accountant"].queryset = User.objects.filter(firm_membership__firm=firm).order_by(
            "full_name"
        )
        if not can_assign:
            del self.fields["accountant"]

    def clean(self):
        return self.check_vat_matches(super().clean())


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles.choices


def staff_invitation_form(*args, **kwargs) -> InvitationForm:
    form = InvitationForm(*args, roles=FirmRole, **kwargs)
    form.fields["role"].initial = FirmRole.ACCOUNTANT
    return form


def dossier_invitation_form(*args, **kwargs) -> InvitationForm:
    form = InvitationForm(*args, roles=DossierRole, **kwargs)
    form.fields["role"].initial = DossierRole.OWNER
    return form


# --- CSV import of client dossiers --------------------------------------------------------------------------

CSV_COLUMNS = [name for name in DossierForm.Meta.fields if name != "accountant"]
CSV_REQUIRED = ["legal_name", "enterprise_number"]
CSV_ALIASES = {
    "name": "legal_name",
    "nom": "legal_name",
    "naam": "legal_name",
    "company": "legal_name",
    "enterprise": "enterprise_number",
    "kbo": "enterprise_number",
    "bce": "enterprise_number",
    "ondernemingsnummer": "enterprise_number",
    "numero_entreprise": "enterprise_number",
    "vat": "vat_number",
    "tva": "vat_number",
    "btw": "vat_number",
    "address": "street",
    "adresse": "street",
    "adres": "street",
    "zip": "postal_code",
    "postcode": "postal_code",
    "code_postal": "postal_code",
    "ville": "city",
    "gemeente": "city",
    "pays": "country",
    "land": "country",
    "mail": "email",
    "e-mail": "email",
    "telephone": "phone",
    "telefoon": "phone",
    "langue": "language",
    "taal": "language",
    "form": "legal_form",
}


@dataclass
class ImportRow:
    line: int
    values: dict
    errors: dict[str, list[str]] = field(default_factory=dict)

    labels: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_list(self) -> list[tuple[str, str]]:
        """(field label, message) pairs, for people who don't know the column names by heart."""
        return [
            (self.labels.get(name, name), message)
            for name, messages in self.errors.items()
            for message in messages
        ]


class CsvImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("UTF-8, comma or semicolon separated, one client per row.")
    )
    invite = forms.BooleanField(
        label=_("Invite each client's entrepreneur by e-mail"), required=False, initial=True
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.KYTE_IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)s KB.") % {"size": settings.KYTE_IMPORT_MAX_BYTES // 1024}
            )
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                raise ValidationError(_("The file is not a text file encoded in UTF-8.")) from None
        return text


def parse_import(text: str, *, firm: Firm) -> tuple[list[ImportRow], list[str]]:
    """Parse and validate every row; returns the rows with per-field errors, and errors of the file itself."""
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        return [], [str(_("The file is empty."))]
    columns = []
    for name in header:
        key = name.strip().lower().replace(" ", "_")
        columns.append(CSV_ALIASES.get(key, key))
    missing = [c for c in CSV_REQUIRED if c not in columns]
    if missing:
        return [], [
            str(
                _("Missing column(s): %(cols)s. Expected columns: %(all)s.")
                % {"cols": ", ".join(missing), "all": ", ".join(CSV_COLUMNS)}
            )
        ]
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    existing = set(firm.dossiers.values_list("enterprise_number", flat=True))
    for line, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) >= settings.KYTE_IMPORT_MAX_ROWS:
            return rows, [
                str(_("The file has more than %(n)s rows; split it.") % {"n": settings.KYTE_IMPORT_MAX_ROWS})
            ]
        data = {
            col: (record[i].strip() if i < len(record) else "")
            for i, col in enumerate(columns)
            if col in CSV_COLUMNS
        }
        values = {col: data.get(col, "") for col in CSV_COLUMNS}
        values["country"] = (values["country"] or "BE").upper()
        values["language"] = (values["language"] or "fr").lower()
        values["legal_form"] = (values["legal_form"] or LegalForm.SRL).lower()
        form = DossierForm(data=values, firm=firm, can_assign=False)
        row = ImportRow(
            line=line, values=values, labels={name: str(f.label) for name, f in form.fields.items()}
        )
        if not form.is_valid():
            row.errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        else:
            row.values = dict(form.cleaned_data)
            number = row.values["enterprise_number"]
            if number in existing:
                row.errors["enterprise_number"] = [
                    str(_("A dossier with this enterprise number already exists."))
                ]
            elif number in seen:
                row.errors["enterprise_number"] = [
                    str(_("Same enterprise number as line %(line)s.") % {"line": seen[number]})
                ]
            seen.setdefault(number, line)
        rows.append(row)
    if not rows:
        return [], [str(_("The file has a header but no client rows."))]
    return rows, []
