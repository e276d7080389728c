from celery import shared_task
from django.core.files.base import ContentFile

from invoicing.models import Invoice, InvoiceStatus


@shared_task(name="invoicing.render_invoice_pdf", acks_late=True)
def render_invoice_pdf(invoice_id: int) -> str:
    """Render the PDF of an issued document once; running twice does nothing twice."""
    from invoicing.pdf import render_pdf

    invoice = Invoice.objects.select_related("dossier").get(pk=invoice_id)
    if invoice.status == InvoiceStatus.DRAFT or invoice.pdf:
        return "skipped"
    content = render_pdf(invoice)
    invoice.pdf.save(f"{invoice.dossier.code}-{invoice.number}.pdf", ContentFile(content), save=False)
    Invoice.objects.filter(pk=invoice.pk, pdf="").update(pdf=invoice.pdf.name)
    return invoice.pdf.name
