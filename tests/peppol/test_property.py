"""Property: every invoice and credit note Kyte issues — any VAT case, discounts, charges, foreign buyers, partial
credit notes — is valid under the official Peppol BIS 3 artefacts and reads back to the same amounts.

CI runs KYTE_UBL_EXAMPLES drawn documents (default 150); `bench/ubl.py --property 3000` runs the large set.
"""

import os

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from invoicing.services import IssueRefused
from peppol.ubl.generate import build
from peppol.ubl.reader import read
from peppol.validation import validate
from tests.peppol.strategies import issuable, issue, specs

EXAMPLES = int(os.environ.get("KYTE_UBL_EXAMPLES", "150"))


def check_document(document) -> None:
    data = build(document, pdf=b"%PDF-1.7 property")
    result = validate(data)
    assert result.valid, (document.number, [(i.rule, i.message) for i in result.fatal])
    parsed = read(data)
    assert parsed.number == document.number
    assert parsed.payable_amount == document.payable
    assert parsed.tax_amount == document.tax_total
    assert parsed.line_extension_amount == document.line_total
    assert parsed.tax_inclusive_amount == document.tax_inclusive
    assert sum(v.tax for v in parsed.vat) == document.tax_total
    assert len(parsed.lines) == document.lines.count()
    assert parsed.buyer.endpoint


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=specs(), data=st.data())
def test_every_issuable_document_is_valid_under_the_official_rules(seller, personas, spec, data):
    assume(issuable(spec))
    try:
        documents = issue(spec, seller=seller, actor=personas.entrepreneur_a)
    except IssueRefused as refused:  # the Peppol pre-check refused a document a user could enter
        raise AssertionError(f"refused by the official rules: {refused.problems}") from None
    for document in documents:
        check_document(document)
