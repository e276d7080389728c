from decimal import Decimal

import pytest

from invoicing import services
from peppol.ubl.generate import build
from peppol.ubl.reader import NotUBL, read
from tests.invoicing.conftest import LINE
from tests.peppol.conftest import EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_official_example_reads_back(path):
    document = read(path.read_bytes())
    assert document.number and document.issue_date and document.currency
    assert document.seller.name and document.buyer.name and document.lines
    assert document.payable_amount is not None
    assert sum(line.net_amount for line in document.lines) == document.line_extension_amount  # BR-CO-10


def test_base_example_fields():
    document = read(next(p for p in EXAMPLES if p.name == "base-example.xml").read_bytes())
    assert document.summary()["payable_amount"] == "1656.25"
    assert document.seller.endpoint == "0088:9482348239847239874"
    assert document.type == "invoice"


def test_our_documents_read_back_to_the_same_amounts_and_parties(make_draft, personas):
    lines = [
        dict(LINE),
        {**LINE, "vat_rate": Decimal("6")},
        {**LINE, "vat_case": "reverse_charge", "vat_rate": Decimal("0")},
    ]
    invoice = services.invoice_issue(invoice=make_draft(lines=lines), actor=personas.entrepreneur_a)
    document = read(build(invoice, pdf=b"%PDF-1.7 x"))
    assert (document.number, document.issue_date, document.type) == (
        invoice.number,
        invoice.issue_date,
        "invoice",
    )
    assert (document.tax_exclusive_amount, document.tax_amount, document.payable_amount) == (
        invoice.tax_exclusive,
        invoice.tax_total,
        invoice.payable,
    )
    assert document.seller.endpoint == f"0208:{personas.dossier_a.enterprise_number}"
    assert document.buyer.vat_number == "BE0202239951"
    assert document.payment_reference == invoice.structured_reference
    assert document.attachments[0].content == b"%PDF-1.7 x"
    assert len(document.lines) == 3


def test_hostile_or_foreign_xml_is_refused():
    with pytest.raises(NotUBL):
        read(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
    with pytest.raises(NotUBL):
        read(b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>')


def test_read_command_prints_the_summary_as_json(tmp_path):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    base = next(p for p in EXAMPLES if p.name == "base-example.xml")
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<not-ubl/>")
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "manage.py", "kyte_read_ubl", "--json", str(base)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DEBUG": "true"},
    )
    assert run.returncode == 0
    (report,) = json.loads(run.stdout)
    assert set(report) == {
        "file",
        "type",
        "number",
        "issue_date",
        "currency",
        "seller",
        "buyer",
        "line_count",
        "line_extension_amount",
        "tax_exclusive_amount",
        "tax_amount",
        "tax_inclusive_amount",
        "payable_amount",
    }
    assert report["file"] == str(base) and report["payable_amount"] == "1656.25"
    bad = subprocess.run(
        [sys.executable, "manage.py", "kyte_read_ubl", str(broken)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DEBUG": "true"},
    )
    assert bad.returncode == 2
