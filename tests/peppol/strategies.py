"""Hypothesis strategies for documents Kyte can issue, shared by the property test and bench/ubl.py.

A drawn `Spec` is what a user could enter: a customer (a Belgian company, an EU company with a VAT number, a
Norwegian company reached by its 0192 Peppol id), lines across every VAT case that makes sense for that customer,
line discounts, document-level allowances and charges, and optionally a credit note of all or some lines.
`issue(spec, ...)` runs it through the real services (draft, issue with the Peppol pre-check, credit note).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import strategies as st

from invoicing import services
from invoicing.models import CustomerKind, Unit
from invoicing.vat import RULES, VatCase

# Valid foreign VAT numbers (checked with python-stdnum) and a valid Norwegian organisation number.
EU_COMPANIES = [
    ("NL", "NL004495445B01", "Amsterdam", "1011 AB"),
    ("DE", "DE136695976", "Köln", "50667"),
    ("FR", "FR40303265045", "Lille", "59000"),
    ("LU", "LU15027442", "Luxembourg", "L-1611"),
]
NORWAY = ("NO", "974760673", "Oslo", "0150")

# Which VAT cases a user would pick for each kind of customer.
CASES_FOR = {
    "be": [
        VatCase.STANDARD,
        VatCase.ZERO,
        VatCase.REVERSE_CHARGE,
        VatCase.EXEMPT,
        VatCase.FRANCHISE,
        VatCase.OUTSIDE_SCOPE,
    ],
    "eu": [VatCase.STANDARD, VatCase.REVERSE_CHARGE, VatCase.INTRA_EU_GOODS, VatCase.EXEMPT],
    "no": [VatCase.EXPORT, VatCase.STANDARD, VatCase.OUTSIDE_SCOPE],
}


@dataclass
class Spec:
    customer: dict
    lines: list[dict]
    allowances: list[dict] = field(default_factory=list)
    credit: str = ""  # "" (none), "all" or "some"


def _be_enterprise_number(body: int) -> str:
    """A valid Belgian enterprise number: 8 digits then 97 - (those 8 mod 97)."""
    head = f"{body:08d}"
    return f"{head}{97 - int(head) % 97:02d}"


@st.composite
def customers(draw) -> tuple[str, dict]:
    kind = draw(st.sampled_from(["be", "be", "eu", "no"]))
    name = draw(st.sampled_from(["Garage Lejeune", "Bakkerij Peeters", "Studio Ærø & Søn", "Café <L'Épi>"]))
    if kind == "be":
        number = _be_enterprise_number(draw(st.integers(2_000_000, 19_999_999)))
        with_vat = draw(st.booleans())
        return kind, {
            "legal_name": f"{name} SRL",
            "enterprise_number": number,
            "vat_number": f"BE{number}" if with_vat else "",
            "street": "Rue de la Station 4",
            "postal_code": "1300",
            "city": "Wavre",
            "country": "BE",
            "language": draw(st.sampled_from(["fr", "nl", "en", "de"])),
            "buyer_reference": draw(st.sampled_from(["", "PO-2026-17"])),
        }
    country, number, city, postal = draw(st.sampled_from(EU_COMPANIES)) if kind == "eu" else NORWAY
    fields = {
        "legal_name": f"{name} B.V.",
        "street": "Hoofdstraat 1",
        "postal_code": postal,
        "city": city,
        "country": country,
        "language": "en",
    }
    if kind == "eu":
        fields["vat_number"] = number
    else:
        fields.update(peppol_scheme="0192", peppol_id=number)
    return kind, fields


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("25000"), places=2)
prices = st.one_of(
    st.decimals(min_value=Decimal("0"), max_value=Decimal("9999"), places=2),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("50"), places=4),
)
quantities = st.one_of(
    st.integers(1, 500).map(Decimal),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000"), places=3),
)
discounts = st.one_of(
    st.just(Decimal("0")), st.decimals(min_value=Decimal("0.5"), max_value=Decimal("100"), places=1)
)


@st.composite
def lines(draw, cases: list[str]) -> dict:
    case = draw(st.sampled_from(cases))
    return {
        "description": draw(
            st.sampled_from(["Consultance", "Onderhoud & herstel", "Formation « Peppol »", "Ü"])
        ),
        "quantity": draw(quantities),
        "unit": draw(st.sampled_from([u.value for u in Unit])),
        "unit_price": draw(prices),
        "discount_percent": draw(discounts),
        "vat_case": case,
        "vat_rate": draw(st.sampled_from(RULES[case].rates)),
    }


@st.composite
def specs(draw) -> Spec:
    kind, customer = draw(customers())
    cases = list(CASES_FOR[kind])
    if not customer.get("vat_number"):
        cases = [c for c in cases if not RULES[c].needs_customer_vat]
    if draw(st.booleans()) and VatCase.OUTSIDE_SCOPE in cases:
        cases = [VatCase.OUTSIDE_SCOPE]  # BR-O-11: outside-scope supplies go on their own invoice
    else:
        cases = [c for c in cases if c != VatCase.OUTSIDE_SCOPE]
    drawn = draw(st.lists(lines(cases), min_size=1, max_size=6))
    allowances = []
    for _ in range(draw(st.integers(0, 2))):
        source = draw(st.sampled_from(drawn))
        allowances.append(
            {
                "is_charge": draw(st.booleans()),
                "reason": draw(st.sampled_from(["Remise fidélité", "Transport", "Emballage"])),
                "amount": draw(amounts),
                "vat_case": source["vat_case"],
                "vat_rate": source["vat_rate"],
            }
        )
    credit = draw(st.sampled_from(["", "", "all", "some"]))
    return Spec(
        customer={"kind": CustomerKind.COMPANY, **customer}, lines=drawn, allowances=allowances, credit=credit
    )


def issuable(spec: Spec) -> bool:
    """What the editor itself refuses before any Peppol rule: a total to pay of zero or less."""
    if services.totals_for(spec.lines, spec.allowances).payable <= 0:
        return False
    return spec.credit != "some" or services.totals_for(spec.lines[:1], []).payable > 0


def issue(spec: Spec, *, seller, actor) -> list:
    """Issue the drawn document (and its credit note) through the services; the documents issued."""
    customer = services.customer_create(dossier=seller, actor=actor, **spec.customer)
    draft = services.invoice_create(dossier=seller, actor=actor, customer=customer)
    draft = services.invoice_save_draft(
        invoice=draft, actor=actor, data={}, lines=spec.lines, allowances=spec.allowances
    )
    invoice = services.invoice_issue(invoice=draft, actor=actor)
    issued = [invoice]
    if spec.credit:
        line_ids = None
        if spec.credit == "some":
            line_ids = [invoice.lines.order_by("position").values_list("pk", flat=True)[0]]
        note = services.credit_note_create(invoice=invoice, actor=actor, line_ids=line_ids)
        issued.append(services.invoice_issue(invoice=note, actor=actor))
    return issued
