"""Belgian VAT cases as data: the UNCL 5305 category, allowed rates, the VATEX code and the legal mention.

Sources: VAT Code art. 51 §2 (reverse charge), art. 39bis (intra-EU supply of goods), art. 39 (export), art. 44
(exempt supplies), art. 56bis (small-enterprise franchise scheme); rates 21/12/6/0 (Royal Decree no. 20).
See ../shared/BELGIAN-RULES.md. The mention is printed in the document's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

BELGIAN_RATES = [Decimal("21"), Decimal("12"), Decimal("6"), Decimal("0")]


class VatCase(models.TextChoices):
    STANDARD = "standard", _("Standard rate")
    ZERO = "zero", _("Zero rate (0 %)")
    REVERSE_CHARGE = "reverse_charge", _("Reverse charge (co-contractor)")
    INTRA_EU_GOODS = "intra_eu_goods", _("Intra-EU supply of goods")
    EXPORT = "export", _("Export outside the EU")
    EXEMPT = "exempt", _("Exempt (art. 44)")
    FRANCHISE = "franchise", _("Small-enterprise franchise scheme")
    OUTSIDE_SCOPE = "outside_scope", _("Outside the scope of VAT")


@dataclass(frozen=True)
class VatRule:
    category: str  # UNCL 5305
    rates: tuple[Decimal, ...]
    vatex: str = ""
    mention: object = ""  # lazy translation, printed in the document language
    needs_customer_vat: bool = False


RULES: dict[str, VatRule] = {
    VatCase.STANDARD: VatRule("S", (Decimal("21"), Decimal("12"), Decimal("6"))),
    VatCase.ZERO: VatRule("Z", (Decimal("0"),)),
    VatCase.REVERSE_CHARGE: VatRule(
        "AE",
        (Decimal("0"),),
        "VATEX-EU-AE",
        _("Reverse charge – VAT due by the co-contractor (art. 51 §2 of the VAT Code)."),
        needs_customer_vat=True,
    ),
    VatCase.INTRA_EU_GOODS: VatRule(
        "K",
        (Decimal("0"),),
        "VATEX-EU-IC",
        _("Exempt intra-Community supply of goods (art. 39bis of the VAT Code)."),
        needs_customer_vat=True,
    ),
    VatCase.EXPORT: VatRule(
        "G", (Decimal("0"),), "VATEX-EU-G", _("Exempt export (art. 39 of the VAT Code).")
    ),
    VatCase.EXEMPT: VatRule(
        "E", (Decimal("0"),), "VATEX-EU-132", _("VAT exemption, art. 44 of the VAT Code.")
    ),
    VatCase.FRANCHISE: VatRule(
        "E",
        (Decimal("0"),),
        "VATEX-EU-132",
        _("Small-enterprise franchise scheme: VAT not applicable (art. 56bis of the VAT Code)."),
    ),
    VatCase.OUTSIDE_SCOPE: VatRule(
        "O", (Decimal("0"),), "VATEX-EU-O", _("Outside the scope of Belgian VAT.")
    ),
}


def rule(case: str) -> VatRule:
    return RULES[VatCase(case)]
