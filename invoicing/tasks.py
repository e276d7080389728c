import hashlib
import logging

from celery import shared_task
from django.core.files.base import ContentFile

from invoicing.models import Invoice, InvoiceStatus

log = logging.getLogger(__name__)


@shared_task(name="invoicing.render_invoice_pdf", acks_late=True)
def render_invoice_pdf(invoice_id: int) -> str:
    """Render the PDF of an issued document once and, for a Peppol document, its UBL original with the PDF
    embedded. Running twice does nothing twice."""
    from invoicing.pdf import render_pdf
    from peppol.ubl.generate import build, endpoint
    from peppol.validation import validate

    invoice = Invoice.objects.select_related("dossier").get(pk=invoice_id)
    if invoice.status == InvoiceStatus.DRAFT or invoice.pdf:
        return "skipped"
    content = render_pdf(invoice)
    invoice.pdf.save(f"{invoice.dossier.code}-{invoice.number}.pdf", ContentFile(content), save=False)
    fields = {"pdf": invoice.pdf.name}
    if (
        endpoint(invoice.snapshot.get("buyer") or {}) is not None
    ):  # a Peppol document: the UBL is the original
        ubl = build(invoice, pdf=content)
        result = validate(ubl)
        if not result.valid:  # validated before the number was taken; this would be a bug, so say it loudly
            log.error("UBL of %s fails %s", invoice.number, [issue.rule for issue in result.fatal])
        invoice.ubl.save(f"{invoice.dossier.code}-{invoice.number}.xml", ContentFile(ubl), save=False)
        fields.update(ubl=invoice.ubl.name, ubl_sha256=hashlib.sha256(ubl).hexdigest())
    Invoice.objects.filter(pk=invoice.pk, pdf="").update(**fields)
    return invoice.pdf.name
