"""Belgian and EU identifiers, validated with python-stdnum. One place for normalising and formatting."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import bic as std_bic
from stdnum import iban as std_iban
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from stdnum.exceptions import (
    ValidationError as StdErr,
)


def normalize_enterprise_number(value: str) -> str:
    """'BE 0403.170.701' -> '0403170701' (10 digits); raises ValidationError with the reason."""
    raw = (value or "").strip()
    try:
        number = be_vat.validate(raw)  # compact form, 10 digits, mod-97 checked
    except InvalidLength:
        raise ValidationError(
            _("A Belgian enterprise number has 10 digits (e.g. 0403.170.701); this one has %(count)s."),
            code="length",
            params={"count": len(be_vat.compact(raw)) if raw else 0},
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("This enterprise number fails the mod-97 check: a digit is probably mistyped."), code="checksum"
        ) from None
    except (InvalidFormat, InvalidComponent):
        raise ValidationError(
            _("A Belgian enterprise number starts with 0 or 1 and contains only digits (e.g. 0403.170.701)."),
            code="format",
        ) from None
    except StdErr:
        raise ValidationError(_("This is not a valid Belgian enterprise number."), code="invalid") from None
    return number


def format_enterprise_number(number: str) -> str:
    """'0403170701' -> '0403.170.701'."""
    if len(number or "") != 10:
        return number or ""
    return f"{number[:4]}.{number[4:7]}.{number[7:]}"


def normalize_vat(value: str) -> str:
    """EU VAT number in compact form with country prefix ('BE0403170701')."""
    raw = (value or "").strip().upper()
    if raw.isdigit() and len(raw) in (9, 10):
        raw = "BE" + raw
    try:
        number = eu_vat.validate(raw)
    except InvalidChecksum:
        raise ValidationError(
            _("This VAT number fails its check digits: a digit is probably mistyped."), code="checksum"
        ) from None
    except InvalidComponent:
        raise ValidationError(
            _(
                "A VAT number starts with the two-letter country code of an EU member state (e.g. BE0403170701)."
            ),
            code="country",
        ) from None
    except (InvalidLength, InvalidFormat):
        raise ValidationError(
            _("This VAT number does not have the format of its country."), code="format"
        ) from None
    except StdErr:
        raise ValidationError(_("This is not a valid EU VAT number."), code="invalid") from None
    return number


def normalize_iban(value: str) -> str:
    raw = std_iban.compact(value or "")
    try:
        if len(raw) < 5 or not raw[:2].isalpha() or not raw[2:4].isdigit():
            raise InvalidFormat
        # The country structure is checked here; stdnum's bank-code registry is not, since a bank code
        # newer than the installed stdnum must not be refused.
        if raw.startswith("BE") and len(raw) != 16:
            raise InvalidLength
        number = std_iban.validate(raw, check_country=False)
        if number.startswith("BE"):
            bban = number[4:]
            if (int(bban[:10]) % 97 or 97) != int(bban[10:]):
                raise InvalidChecksum
        return number
    except InvalidChecksum:
        raise ValidationError(
            _("This IBAN fails its check digits: a character is probably mistyped."), code="checksum"
        ) from None
    except InvalidLength:
        raise ValidationError(
            _("This IBAN does not have the length used in its country (16 characters for BE)."), code="length"
        ) from None
    except (InvalidFormat, InvalidComponent):
        raise ValidationError(
            _("An IBAN starts with a country code and two check digits (e.g. BE68 5390 0754 7034)."),
            code="format",
        ) from None
    except StdErr:
        raise ValidationError(_("This is not a valid IBAN."), code="invalid") from None


def format_iban(value: str) -> str:
    return std_iban.format(value) if value else ""


def normalize_bic(value: str) -> str:
    raw = (value or "").strip()
    try:
        return std_bic.validate(raw)
    except StdErr:
        raise ValidationError(
            _("A BIC has 8 or 11 letters and digits (e.g. GEBABEBB)."), code="invalid"
        ) from None


def bic_for_iban(iban: str) -> str:
    """Best-effort BIC for a Belgian IBAN (stdnum knows the Belgian bank codes)."""
    if not iban.startswith("BE"):
        return ""
    try:
        from stdnum.be import iban as be_iban

        return be_iban.to_bic(iban) or ""
    except StdErr:
        return ""
