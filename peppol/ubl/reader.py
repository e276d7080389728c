"""Read any UBL 2.1 Invoice or CreditNote (not only ours) into a typed structure."""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from peppol.validation import UBL_CREDIT_NOTE, UBL_INVOICE
from peppol.xml import UnsafeXML, parse_untrusted

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}


class NotUBL(ValueError):
    pass


@dataclass
class Party:
    name: str = ""
    endpoint: str = ""  # "scheme:id"
    vat_number: str = ""
    legal_id: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""


@dataclass
class Line:
    id: str
    description: str
    quantity: Decimal
    unit: str
    net_amount: Decimal
    price: Decimal | None
    vat_category: str
    vat_rate: Decimal | None


@dataclass
class VatSubtotal:
    category: str
    rate: Decimal | None
    taxable: Decimal
    tax: Decimal
    exemption_reason: str = ""


@dataclass
class Attachment:
    filename: str
    mime_type: str
    content: bytes = field(repr=False)


@dataclass
class Document:
    type: str  # "invoice" or "credit_note"
    number: str
    issue_date: date | None
    due_date: date | None
    currency: str
    seller: Party
    buyer: Party
    lines: list[Line]
    vat: list[VatSubtotal]
    line_extension_amount: Decimal | None
    tax_exclusive_amount: Decimal | None
    tax_amount: Decimal | None
    tax_inclusive_amount: Decimal | None
    payable_amount: Decimal | None
    payment_iban: str = ""
    payment_reference: str = ""
    buyer_reference: str = ""
    billing_reference: str = ""
    attachments: list[Attachment] = field(default_factory=list)

    def summary(self) -> dict:
        def amount(value):
            return None if value is None else str(value)

        return {
            "type": self.type,
            "number": self.number,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "currency": self.currency,
            "seller": {"name": self.seller.name, "endpoint": self.seller.endpoint},
            "buyer": {"name": self.buyer.name, "endpoint": self.buyer.endpoint},
            "line_count": len(self.lines),
            "line_extension_amount": amount(self.line_extension_amount),
            "tax_exclusive_amount": amount(self.tax_exclusive_amount),
            "tax_amount": amount(self.tax_amount),
            "tax_inclusive_amount": amount(self.tax_inclusive_amount),
            "payable_amount": amount(self.payable_amount),
        }

    def as_dict(self) -> dict:
        return asdict(self)


def _text(node, path: str) -> str:
    found = node.find(path, NS) if node is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _decimal(node, path: str) -> Decimal | None:
    value = _text(node, path)
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def _date(node, path: str) -> date | None:
    value = _text(node, path)
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _party(node) -> Party:
    party = node.find("cac:Party", NS) if node is not None else None
    if party is None:
        return Party()
    endpoint = party.find("cbc:EndpointID", NS)
    return Party(
        name=_text(party, "cac:PartyLegalEntity/cbc:RegistrationName")
        or _text(party, "cac:PartyName/cbc:Name"),
        endpoint=f"{endpoint.get('schemeID', '')}:{(endpoint.text or '').strip()}"
        if endpoint is not None
        else "",
        vat_number=_text(party, "cac:PartyTaxScheme/cbc:CompanyID"),
        legal_id=_text(party, "cac:PartyLegalEntity/cbc:CompanyID"),
        street=_text(party, "cac:PostalAddress/cbc:StreetName"),
        postal_code=_text(party, "cac:PostalAddress/cbc:PostalZone"),
        city=_text(party, "cac:PostalAddress/cbc:CityName"),
        country=_text(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
    )


def read(data: bytes) -> Document:
    try:
        root = parse_untrusted(data)
    except UnsafeXML as exc:
        raise NotUBL(str(exc)) from None
    namespace, name = etree.QName(root).namespace, etree.QName(root).localname
    if (namespace, name) not in ((UBL_INVOICE, "Invoice"), (UBL_CREDIT_NOTE, "CreditNote")):
        raise NotUBL("the root is neither a UBL 2.1 Invoice nor a CreditNote")
    credit = name == "CreditNote"
    line_tag, quantity_tag = (
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
        if credit
        else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    )
    lines = []
    for node in root.findall(line_tag, NS):
        quantity = node.find(quantity_tag, NS)
        lines.append(
            Line(
                id=_text(node, "cbc:ID"),
                description=_text(node, "cac:Item/cbc:Name") or _text(node, "cac:Item/cbc:Description"),
                quantity=_decimal(node, quantity_tag) or Decimal(0),
                unit=quantity.get("unitCode", "") if quantity is not None else "",
                net_amount=_decimal(node, "cbc:LineExtensionAmount") or Decimal(0),
                price=_decimal(node, "cac:Price/cbc:PriceAmount"),
                vat_category=_text(node, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
                vat_rate=_decimal(node, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"),
            )
        )
    vat = [
        VatSubtotal(
            category=_text(sub, "cac:TaxCategory/cbc:ID"),
            rate=_decimal(sub, "cac:TaxCategory/cbc:Percent"),
            taxable=_decimal(sub, "cbc:TaxableAmount") or Decimal(0),
            tax=_decimal(sub, "cbc:TaxAmount") or Decimal(0),
            exemption_reason=_text(sub, "cac:TaxCategory/cbc:TaxExemptionReason"),
        )
        for sub in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    ]
    attachments = []
    for binary in root.findall(
        "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS
    ):
        try:
            content = base64.b64decode(binary.text or "", validate=False)
        except (binascii.Error, ValueError):
            continue
        attachments.append(Attachment(binary.get("filename", ""), binary.get("mimeCode", ""), content))
    totals = root.find("cac:LegalMonetaryTotal", NS)
    tax_amounts = [_decimal(t, "cbc:TaxAmount") for t in root.findall("cac:TaxTotal", NS)]
    document_currency = _text(root, "cbc:DocumentCurrencyCode")
    tax_amount = None
    for tax_total in root.findall("cac:TaxTotal", NS):  # the one in the document currency
        node = tax_total.find("cbc:TaxAmount", NS)
        if node is not None and node.get("currencyID", document_currency) == document_currency:
            tax_amount = _decimal(tax_total, "cbc:TaxAmount")
    return Document(
        type="credit_note" if credit else "invoice",
        number=_text(root, "cbc:ID"),
        issue_date=_date(root, "cbc:IssueDate"),
        due_date=_date(root, "cbc:DueDate") or _date(root, "cac:PaymentMeans/cbc:PaymentDueDate"),
        currency=document_currency,
        seller=_party(root.find("cac:AccountingSupplierParty", NS)),
        buyer=_party(root.find("cac:AccountingCustomerParty", NS)),
        lines=lines,
        vat=vat,
        line_extension_amount=_decimal(totals, "cbc:LineExtensionAmount"),
        tax_exclusive_amount=_decimal(totals, "cbc:TaxExclusiveAmount"),
        tax_amount=tax_amount if tax_amount is not None else (tax_amounts[0] if tax_amounts else None),
        tax_inclusive_amount=_decimal(totals, "cbc:TaxInclusiveAmount"),
        payable_amount=_decimal(totals, "cbc:PayableAmount"),
        payment_iban=_text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"),
        payment_reference=_text(root, "cac:PaymentMeans/cbc:PaymentID"),
        buyer_reference=_text(root, "cbc:BuyerReference"),
        billing_reference=_text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        attachments=attachments,
    )
