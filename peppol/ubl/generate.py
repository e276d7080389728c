"""UBL 2.1 Invoice / CreditNote conforming to Peppol BIS Billing 3.0, built with lxml from an issued document's
snapshot and stored rows (never from live customer or dossier data)."""

from __future__ import annotations

import base64
from decimal import Decimal

from lxml import etree

from invoicing.models import DocumentKind, Invoice
from invoicing.vat import rule

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS = {
    "invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "credit_note": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
# EAS codes for a VAT number used as electronic address, by country (Peppol code list).
VAT_EAS = {
    "BE": "9925",
    "DE": "9930",
    "FR": "9957",
    "NL": "9944",
    "LU": "9938",
    "AT": "9914",
    "ES": "9920",
    "IT": "0211",
    "PT": "9946",
    "IE": "9935",
    "DK": "0198",
}


def _cbc(parent, name, text, **attrs):
    element = etree.SubElement(parent, f"{{{NS['cbc']}}}{name}", **attrs)
    element.text = str(text)
    return element


def _cac(parent, name):
    return etree.SubElement(parent, f"{{{NS['cac']}}}{name}")


def _amount(parent, name, value, currency):
    return _cbc(parent, name, f"{Decimal(value):.2f}", currencyID=currency)


def endpoint(party: dict) -> tuple[str, str] | None:
    """(scheme, id) of a party's Peppol electronic address: its Peppol id, a Belgian enterprise number, or an EU VAT
    number (Peppol EAS code list)."""
    if party.get("peppol") and ":" in party["peppol"]:
        scheme, value = party["peppol"].split(":", 1)
        return scheme, value
    if party.get("enterprise_number") and party.get("country", "BE") == "BE":
        return "0208", party["enterprise_number"]
    vat = party.get("vat_number") or ""
    if vat and vat[:2] in VAT_EAS:
        return VAT_EAS[vat[:2]], vat
    return None  # private persons and businesses outside the EU: no Peppol address, the PDF is the invoice


def _party(parent, party: dict, *, seller: bool, vat_ids: bool = True):
    node = _cac(parent, "Party")
    address = endpoint(party)
    if address:
        _cbc(node, "EndpointID", address[1], schemeID=address[0])
    name = _cac(node, "PartyName")
    _cbc(name, "Name", party["name"])
    postal = _cac(node, "PostalAddress")
    if party.get("street"):
        _cbc(postal, "StreetName", party["street"])
    if party.get("city"):
        _cbc(postal, "CityName", party["city"])
    if party.get("postal_code"):
        _cbc(postal, "PostalZone", party["postal_code"])
    country = _cac(postal, "Country")
    _cbc(country, "IdentificationCode", party.get("country") or "BE")
    if party.get("vat_number") and vat_ids:  # BR-O-02: no VAT identifiers on an "outside scope" document
        tax = _cac(node, "PartyTaxScheme")
        _cbc(tax, "CompanyID", party["vat_number"])
        _cbc(_cac(tax, "TaxScheme"), "ID", "VAT")
    legal = _cac(node, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party["name"])
    if party.get("enterprise_number") and (party.get("country") or "BE") == "BE":
        _cbc(legal, "CompanyID", party["enterprise_number"], schemeID="0208")
    if seller and (party.get("email") or party.get("phone")):
        contact = _cac(node, "Contact")
        if party.get("phone"):
            _cbc(contact, "Telephone", party["phone"])
        if party.get("email"):
            _cbc(contact, "ElectronicMail", party["email"])


def _tax_category(parent, case: str, rate: Decimal, *, with_reason: bool):
    category = _cac(parent, "ClassifiedTaxCategory" if not with_reason else "TaxCategory")
    vat_rule = rule(case)
    _cbc(category, "ID", vat_rule.category)
    if vat_rule.category != "O":
        _cbc(category, "Percent", f"{Decimal(rate).normalize():f}")
    if with_reason and vat_rule.vatex:
        _cbc(category, "TaxExemptionReasonCode", vat_rule.vatex)
        _cbc(category, "TaxExemptionReason", str(vat_rule.mention))
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")
    return category


def build(invoice: Invoice, *, pdf: bytes | None = None) -> bytes:
    """The UBL of an issued document, with its PDF embedded when given."""
    from django.utils import translation

    with translation.override(invoice.language):
        return _build(invoice, pdf)


def _build(invoice: Invoice, pdf: bytes | None) -> bytes:
    credit = invoice.kind == DocumentKind.CREDIT_NOTE
    root_name = "CreditNote" if credit else "Invoice"
    default_ns = NS["credit_note"] if credit else NS["invoice"]
    root = etree.Element(
        f"{{{default_ns}}}{root_name}", nsmap={None: default_ns, "cac": NS["cac"], "cbc": NS["cbc"]}
    )
    currency = invoice.currency
    seller, buyer = invoice.snapshot["seller"], invoice.snapshot["buyer"]
    _cbc(root, "CustomizationID", CUSTOMIZATION)
    _cbc(root, "ProfileID", PROFILE)
    _cbc(root, "ID", invoice.number)
    _cbc(root, "IssueDate", invoice.issue_date.isoformat())
    if invoice.due_date and not credit:
        _cbc(root, "DueDate", invoice.due_date.isoformat())
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", "381" if credit else "380")
    if invoice.notes:
        _cbc(root, "Note", invoice.notes[:1000])
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(root, "BuyerReference", invoice.buyer_reference or invoice.order_reference or invoice.number)
    if invoice.period_start and invoice.period_end:
        period = _cac(root, "InvoicePeriod")
        _cbc(period, "StartDate", invoice.period_start.isoformat())
        _cbc(period, "EndDate", invoice.period_end.isoformat())
    if invoice.order_reference:
        _cbc(_cac(root, "OrderReference"), "ID", invoice.order_reference)
    credited = invoice.snapshot.get("credited")
    if credited:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", credited["number"])
        _cbc(reference, "IssueDate", credited["issue_date"])
    if pdf:
        document = _cac(root, "AdditionalDocumentReference")
        _cbc(document, "ID", invoice.number)
        attachment = _cac(document, "Attachment")
        _cbc(
            attachment,
            "EmbeddedDocumentBinaryObject",
            base64.b64encode(pdf).decode(),
            mimeCode="application/pdf",
            filename=f"{invoice.number}.pdf",
        )
    lines = list(invoice.lines.all())
    allowances = list(invoice.allowances_charges.all())
    categories = {rule(line.vat_case).category for line in lines}
    vat_ids = "O" not in categories
    _party(_cac(root, "AccountingSupplierParty"), seller, seller=True, vat_ids=vat_ids)
    _party(_cac(root, "AccountingCustomerParty"), buyer, seller=False, vat_ids=vat_ids)
    if invoice.delivery_date or "K" in categories:
        # BR-IC-11/12: an intra-Community supply states when and to which country the goods were delivered.
        delivery = _cac(root, "Delivery")
        _cbc(delivery, "ActualDeliveryDate", (invoice.delivery_date or invoice.issue_date).isoformat())
        address = _cac(_cac(delivery, "DeliveryLocation"), "Address")
        _cbc(_cac(address, "Country"), "IdentificationCode", buyer.get("country") or "BE")
    if seller.get("iban"):
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", "58" if not credit else "30")
        if credit and invoice.due_date:
            _cbc(means, "PaymentDueDate", invoice.due_date.isoformat())
        if invoice.structured_reference and not credit:
            _cbc(means, "PaymentID", invoice.structured_reference)
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", seller["iban"])
        if seller.get("bic"):
            _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", seller["bic"])
    if invoice.due_date and not credit:
        _cbc(_cac(root, "PaymentTerms"), "Note", f"Due {invoice.due_date.isoformat()}")
    for item in allowances:
        node = _cac(root, "AllowanceCharge")
        _cbc(node, "ChargeIndicator", "true" if item.is_charge else "false")
        _cbc(node, "AllowanceChargeReason", item.reason)
        _amount(node, "Amount", item.amount, currency)
        _tax_category(
            node, item.vat_case, item.vat_rate, with_reason=False
        ).tag = f"{{{NS['cac']}}}TaxCategory"
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", invoice.tax_total, currency)
    cases = {}
    for line in lines:
        cases.setdefault(
            (rule(line.vat_case).category, Decimal(line.vat_rate).quantize(Decimal("0.01"))), line.vat_case
        )
    for item in allowances:
        cases.setdefault(
            (rule(item.vat_case).category, Decimal(item.vat_rate).quantize(Decimal("0.01"))), item.vat_case
        )
    for b in invoice.snapshot.get("breakdown", []):
        subtotal = _cac(tax_total, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", b["taxable"], currency)
        _amount(subtotal, "TaxAmount", b["tax"], currency)
        case = cases[(b["category"], Decimal(b["rate"]).quantize(Decimal("0.01")))]
        _tax_category(subtotal, case, Decimal(b["rate"]), with_reason=True)
    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", invoice.line_total, currency)
    _amount(totals, "TaxExclusiveAmount", invoice.tax_exclusive, currency)
    _amount(totals, "TaxInclusiveAmount", invoice.tax_inclusive, currency)
    if invoice.allowance_total:
        _amount(totals, "AllowanceTotalAmount", invoice.allowance_total, currency)
    if invoice.charge_total:
        _amount(totals, "ChargeTotalAmount", invoice.charge_total, currency)
    _amount(totals, "PayableAmount", invoice.payable, currency)
    for n, line in enumerate(lines, start=1):
        node = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
        _cbc(node, "ID", n)
        _cbc(
            node,
            "CreditedQuantity" if credit else "InvoicedQuantity",
            f"{Decimal(line.quantity).normalize():f}",
            unitCode=line.unit,
        )
        _amount(node, "LineExtensionAmount", line.net_amount, currency)
        if line.discount_percent:
            gross = Decimal(line.quantity) * Decimal(line.unit_price)
            allowance = _cac(node, "AllowanceCharge")
            _cbc(allowance, "ChargeIndicator", "false")
            _cbc(allowance, "AllowanceChargeReason", "Discount")
            _amount(allowance, "Amount", gross.quantize(Decimal("0.01")) - line.net_amount, currency)
        item = _cac(node, "Item")
        _cbc(item, "Name", line.description[:200])
        _tax_category(item, line.vat_case, line.vat_rate, with_reason=False)
        price = _cac(node, "Price")
        _cbc(price, "PriceAmount", f"{Decimal(line.unit_price).normalize():f}", currencyID=currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
