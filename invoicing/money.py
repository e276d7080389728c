"""The one money module: Decimal only, rounded as EN 16931 rounds (line nets first, totals are sums of rounded values).

BT numbers refer to EN 16931: BT-131 line net, BT-106 sum of line nets, BT-107/108 document allowances/charges,
BT-109 total without VAT, BT-116/117 VAT category base/amount, BT-110 VAT total, BT-112 total with VAT, BT-115 payable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def q2(value: Decimal) -> Decimal:
    """Round to the cent, half up (EN 16931 amounts have two decimals)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_net(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal = ZERO) -> Decimal:
    """BT-131 = round(quantity × price − discount, 2), the discount being a percentage of quantity × price."""
    gross = Decimal(quantity) * Decimal(unit_price)
    discount = gross * Decimal(discount_percent or 0) / HUNDRED
    return q2(gross - discount)


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    vat_category: str
    vat_rate: Decimal


@dataclass(frozen=True)
class AllowanceChargeInput:
    is_charge: bool
    amount: Decimal
    vat_category: str
    vat_rate: Decimal


@dataclass
class VatBreakdown:
    category: str
    rate: Decimal
    taxable: Decimal = ZERO  # BT-116
    tax: Decimal = ZERO  # BT-117


@dataclass
class Totals:
    line_nets: list[Decimal] = field(default_factory=list)
    line_total: Decimal = ZERO  # BT-106
    allowance_total: Decimal = ZERO  # BT-107
    charge_total: Decimal = ZERO  # BT-108
    tax_exclusive: Decimal = ZERO  # BT-109
    tax_total: Decimal = ZERO  # BT-110
    tax_inclusive: Decimal = ZERO  # BT-112
    prepaid: Decimal = ZERO  # BT-113
    payable: Decimal = ZERO  # BT-115
    breakdown: list[VatBreakdown] = field(default_factory=list)


def compute_totals(
    lines: Iterable[LineInput], allowances: Iterable[AllowanceChargeInput] = (), prepaid: Decimal = ZERO
) -> Totals:
    totals = Totals()
    groups: dict[tuple[str, Decimal], VatBreakdown] = {}

    def group(category: str, rate: Decimal) -> VatBreakdown:
        key = (category, q2(rate))
        if key not in groups:
            groups[key] = VatBreakdown(category=category, rate=q2(rate))
        return groups[key]

    for line in lines:
        net = line_net(line.quantity, line.unit_price, line.discount_percent)
        totals.line_nets.append(net)
        totals.line_total += net
        group(line.vat_category, line.vat_rate).taxable += net
    for item in allowances:
        amount = q2(item.amount)
        if item.is_charge:
            totals.charge_total += amount
            group(item.vat_category, item.vat_rate).taxable += amount
        else:
            totals.allowance_total += amount
            group(item.vat_category, item.vat_rate).taxable -= amount
    for breakdown in groups.values():
        breakdown.tax = q2(breakdown.taxable * breakdown.rate / HUNDRED)  # BR-CO-17
        totals.tax_total += breakdown.tax
    totals.breakdown = sorted(groups.values(), key=lambda b: (b.category != "S", -b.rate, b.category))
    totals.tax_exclusive = totals.line_total - totals.allowance_total + totals.charge_total  # BR-CO-13
    totals.tax_inclusive = totals.tax_exclusive + totals.tax_total  # BR-CO-15
    totals.prepaid = q2(prepaid)
    totals.payable = totals.tax_inclusive - totals.prepaid  # BR-CO-16
    return totals


def structured_communication(base: int) -> str:
    """Belgian OGM/VCS: 10 digits + mod-97 check (97 when 0), as +++ddd/dddd/ddddd+++."""
    if not 0 <= base < 10**10:
        raise ValueError("the base of a structured communication has at most 10 digits")
    digits = f"{base:010d}"
    check = int(digits) % 97 or 97
    full = f"{digits}{check:02d}"
    return f"+++{full[:3]}/{full[3:7]}/{full[7:]}+++"


def is_valid_structured_communication(value: str) -> bool:
    digits = "".join(ch for ch in value if ch.isdigit())
    return len(digits) == 12 and (int(digits[:10]) % 97 or 97) == int(digits[10:])


def canonical(value: Decimal) -> str:
    """Canonical text of an amount for hashing: fixed point, no exponent, trailing zeros kept to the scale."""
    return format(Decimal(value), "f")
