"""Demo customers, products and issued documents covering every VAT case (deterministic with a seed)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from accounts.models import Dossier
from invoicing import services
from invoicing.models import Customer, Invoice

CUSTOMERS = [
    # name, kind, enterprise number, VAT, street, postal code, city, country, language
    ("Café De Kroon BV", "company", "0403170701", "BE0403170701", "Markt 1", "9000", "Gent", "BE", "nl"),
    (
        "Librairie Papyrus SRL",
        "company",
        "0202239951",
        "BE0202239951",
        "Rue Neuve 3",
        "1000",
        "Bruxelles",
        "BE",
        "fr",
    ),
    (
        "Bouwbedrijf Peeters NV",
        "company",
        "0417497106",
        "BE0417497106",
        "Kapelstraat 9",
        "3500",
        "Hasselt",
        "BE",
        "nl",
    ),
    ("Holz Müller GmbH", "company", "", "DE136695976", "Hauptstraße 5", "52062", "Aachen", "DE", "de"),
    (
        "Atelier Lumière SARL",
        "company",
        "",
        "FR40303265045",
        "12 rue de la Paix",
        "59000",
        "Lille",
        "FR",
        "fr",
    ),
    ("Northwind Ltd", "company", "", "", "1 King Street", "10001", "New York", "US", "en"),
    ("Sophie Lambert", "person", "", "", "Rue du Moulin 4", "5000", "Namur", "BE", "fr"),
]
EMAILS = {"Northwind Ltd": "accounts@northwind.test", "Sophie Lambert": "sophie.lambert@example.test"}
PRODUCTS = [
    ("Consultance", "HUR", Decimal("85"), "standard", Decimal("21")),
    ("Livre", "H87", Decimal("24.90"), "standard", Decimal("6")),
    ("Travaux de rénovation", "HUR", Decimal("55"), "standard", Decimal("12")),
    ("Formation (exemptée)", "DAY", Decimal("650"), "exempt", Decimal("0")),
    ("Installation chez un assujetti", "LS", Decimal("1200"), "reverse_charge", Decimal("0")),
]


def _line(description, quantity, price, case, rate, discount="0"):
    return {
        "description": description,
        "quantity": Decimal(quantity),
        "unit": "C62",
        "unit_price": Decimal(price),
        "discount_percent": Decimal(discount),
        "vat_case": case,
        "vat_rate": Decimal(rate),
    }


FRANCHISE_DOSSIERS = {"Transport Claeys"}  # demo small enterprise under the franchise scheme


def scenario(customer: Customer, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Lines (and document discounts/charges) fitting the customer: every VAT case appears in the demo."""
    if customer.dossier.legal_name in FRANCHISE_DOSSIERS:
        return [_line("Transport de marchandises", rng.randint(1, 8), "180", "franchise", "0")], []
    if customer.country == "DE":
        return [_line("Eichenholz, zugeschnitten", rng.randint(5, 40), "32.50", "intra_eu_goods", "0")], []
    if customer.country == "FR":
        return [_line("Luminaires sur mesure", rng.randint(1, 6), "480", "intra_eu_goods", "0")], []
    if customer.country == "US":
        if rng.random() < 0.5:  # B2B services to a customer outside the EU: outside the scope of Belgian VAT
            return [_line("Design consultancy", rng.randint(4, 20), "95", "outside_scope", "0")], []
        return [_line("Printed catalogues", rng.randint(50, 500), "4.20", "export", "0")], []
    if customer.legal_name.startswith("Bouwbedrijf"):
        return [_line("Renovatiewerken", rng.randint(8, 60), "55", "reverse_charge", "0")], []
    if customer.kind == "person":
        return [
            _line("Travaux de rénovation (logement > 10 ans)", rng.randint(4, 30), "55", "standard", "6"),
            _line("Matériaux", 1, rng.choice(["120", "340.80"]), "standard", "21"),
        ], []
    lines = [
        _line("Consultance", rng.randint(1, 12), "85", "standard", "21", rng.choice(["0", "5", "10"])),
        _line("Livre", rng.randint(1, 5), "24.90", "standard", "6"),
    ]
    if rng.random() < 0.3:
        lines.append(_line("Formation (exemptée)", 1, "650", "exempt", "0"))
    if rng.random() < 0.3:
        lines.append(_line("Abonnement journal hebdomadaire", 1, "180", "zero", "0"))
    allowances = []
    if rng.random() < 0.3:
        allowances.append(
            {
                "is_charge": False,
                "reason": "Remise fidélité",
                "amount": Decimal("20"),
                "vat_case": "standard",
                "vat_rate": Decimal("21"),
            }
        )
    if rng.random() < 0.2:
        allowances.append(
            {
                "is_charge": True,
                "reason": "Frais de livraison",
                "amount": Decimal("12.50"),
                "vat_case": "standard",
                "vat_rate": Decimal("21"),
            }
        )
    return lines, allowances


@transaction.atomic
def load_invoicing_demo(*, dossier: Dossier, actor, count: int, seed: int | None = None) -> int:
    """Idempotent: does nothing when the dossier already has documents."""
    if Invoice.objects.filter(dossier=dossier).exists():
        return 0
    rng = random.Random(seed if seed is not None else 7)  # noqa: S311 - demo data
    customers = []
    for name, kind, number, vat, street, postal, city, country, language in CUSTOMERS:
        customers.append(
            services.customer_create(
                dossier=dossier,
                actor=actor,
                legal_name=name,
                kind=kind,
                enterprise_number=number,
                vat_number=vat,
                street=street,
                postal_code=postal,
                city=city,
                country=country,
                language=language,
                email=EMAILS.get(name, ""),
            )
        )
    for name, unit, price, case, rate in PRODUCTS:
        services.product_save(
            dossier=dossier, actor=actor, name=name, unit=unit, unit_price=price, vat_case=case, vat_rate=rate
        )
    day = date.today() - timedelta(days=count * 2)
    issued = []
    for n in range(count):
        customer = customers[n % len(customers)]
        lines, allowances = scenario(customer, rng)
        draft = services.invoice_create(dossier=dossier, actor=actor, customer=customer)
        services.invoice_save_draft(
            invoice=draft,
            actor=actor,
            data={"due_date": day + timedelta(days=30)},
            lines=lines,
            allowances=allowances,
        )
        issued.append(services.invoice_issue(invoice=draft, actor=actor, issue_date=day))
        day += timedelta(days=rng.randint(0, 2))
    for invoice in issued[:: max(1, len(issued) // 3)][:2]:  # a couple of credit notes
        note = services.credit_note_create(invoice=invoice, actor=actor)
        services.invoice_issue(invoice=note, actor=actor, issue_date=day)
    return count
