"""The official Peppol artefacts through our validator; hostile XML refused fast; the kyte_validate command."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from peppol.validation import validate
from tests.peppol.conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
BASE = next(p for p in EXAMPLES if p.name == "base-example.xml") if EXAMPLES else None


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_official_example_is_valid(path):
    result = validate(path.read_bytes())
    assert result.valid, result.fatal


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        (
            b'<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
            b'<cbc:PayableAmount currencyID="EUR">1656.26</cbc:PayableAmount>',
            "BR-CO-16",
        ),
        (b"<cbc:BuyerReference>0150abc</cbc:BuyerReference>", b"", "PEPPOL-EN16931-R003"),
        (
            b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>",
            b"<cbc:InvoiceTypeCode>999</cbc:InvoiceTypeCode>",
            "BR-CL-01",
        ),
        (
            b'<cbc:EndpointID schemeID="0088">9482348239847239874</cbc:EndpointID>',
            b'<cbc:EndpointID schemeID="0208">0403170702</cbc:EndpointID>',
            "PEPPOL-COMMON-R043",
        ),
    ],
)
def test_mutations_are_caught_with_the_official_rule_id(old, new, rule):
    data = BASE.read_bytes()
    assert old in data
    result = validate(data.replace(old, new, 1))
    assert not result.valid
    assert rule in {issue.rule for issue in result.fatal}


HOSTILE = {
    "xxe": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Invoice>&x;</Invoice>',
    "external_dtd": b'<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/x.dtd"><Invoice/>',
    "billion_laughs": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
    b"]><Invoice>&b;</Invoice>",
    "deep": b"<Invoice>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</Invoice>",
    "oversize": b"<Invoice>" + b"x" * (11 * 1024 * 1024) + b"</Invoice>",
    "not_xml": b"%PDF-1.7 not xml",
    "wrong_root": b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>',
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_xml_gets_a_clear_error_fast(name):
    result = validate(HOSTILE[name])
    assert not result.valid
    assert result.issues[0].rule == "XML"
    assert "passwd" not in result.issues[0].message and "root:" not in result.issues[0].message


def _run(*args):
    return subprocess.run(
        [sys.executable, "manage.py", "kyte_validate", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **__import__("os").environ,
            "DEBUG": "true",
            "KYTE_PEPPOL_ARTEFACTS": str(EXAMPLES[0].parents[1]),
        },
    )


def test_validate_command_text_json_and_exit_codes(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(BASE.read_bytes().replace(b"<cbc:BuyerReference>0150abc</cbc:BuyerReference>", b""))
    hostile = tmp_path / "hostile.xml"
    hostile.write_bytes(HOSTILE["xxe"])
    ok = _run(str(BASE))
    assert ok.returncode == 0 and ok.stdout.splitlines()[0] == f"{BASE}: valid"
    text = _run(str(BASE), str(bad))
    assert text.returncode == 1
    assert f"{bad}: invalid" in text.stdout and "PEPPOL-EN16931-R003" in text.stdout
    report = json.loads(_run("--json", str(bad), str(hostile), str(BASE)).stdout)
    assert [r["file"] for r in report] == [str(bad), str(hostile), str(BASE)]
    assert [r["valid"] for r in report] == [False, False, True]
    assert report[1]["issues"][0]["rule"] == "XML"
    assert set(report[0]["issues"][0]) == {"rule", "flag", "message", "location"}
    missing = _run(str(tmp_path / "nope.xml"))
    assert missing.returncode == 2
