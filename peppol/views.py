"""Sending issued documents and the inbox of received documents (dossier area)."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from accounts.roles import Capability
from accounts.tenancy import requires
from billing.gate import kyte_required
from kyte.errors import DomainError
from peppol import responses, services
from peppol.identifiers import is_uuid
from peppol.models import FINAL, PeppolParticipant, ReceivedDocument, Transmission, TransmissionStatus


def _invoice(request, uuid):
    return get_object_or_404(request.dossier.invoices.select_related("customer", "dossier"), uuid=uuid)


def delivery_context(invoice) -> dict:
    transmission = invoice.transmissions.order_by("-created_at").first()
    return {
        "invoice": invoice,
        "transmission": transmission,
        "events": [_labelled(e) for e in transmission.events.all()] if transmission else [],
        "response": responses.label(transmission.response) if transmission and transmission.response else "",
        "can_send": transmission is None or transmission.status in ("failed", "rejected"),
    }


EVENT_LABELS = {
    "queued": _lazy("Queued"),
    "sending": _lazy("Sending"),
    "sent": _lazy("Sent"),
    "delivered": _lazy("Delivered"),
    "retry": _lazy("Will try again"),
    "requeued": _lazy("Sent again"),
    "rejected": _lazy("Rejected"),
    "failed": _lazy("Failed"),
}


def _labelled(event) -> dict:
    if event.kind.startswith("response:"):
        label = responses.label(event.kind.split(":", 1)[1])
    else:
        label = EVENT_LABELS.get(event.kind, event.kind)
    return {"at": event.at, "kind": event.kind, "label": label, "detail": event.detail}


@require_POST
@requires(Capability.DOSSIER_EDIT)
@kyte_required
def invoice_send(request, dossier_code: str, uuid):
    invoice = _invoice(request, uuid)
    try:
        services.invoice_send(invoice=invoice, actor=request.user)
    except DomainError as exc:
        if request.htmx:
            return render(
                request,
                "peppol/partials/delivery.html",
                {**delivery_context(invoice), "error": exc.message},
                status=422,
            )
        messages.error(request, exc.message)
        return redirect("invoice_detail", dossier_code=dossier_code, uuid=uuid)
    if request.htmx:
        return render(request, "peppol/partials/delivery.html", delivery_context(invoice))
    messages.success(request, _("Sending started."))
    return redirect("invoice_detail", dossier_code=dossier_code, uuid=uuid)


@requires(Capability.DOSSIER_VIEW)
def invoice_delivery(request, dossier_code: str, uuid):
    """The delivery timeline (polled by HTMX while the sending is not final)."""
    return render(request, "peppol/partials/delivery.html", delivery_context(_invoice(request, uuid)))


@requires(Capability.DOSSIER_VIEW)
def inbox(request, dossier_code: str):
    from accounts.selectors import paginate

    documents = paginate(
        ReceivedDocument.objects.filter(dossier=request.dossier).order_by("-received_at", "-id"),
        page=request.GET.get("page"),
        per_page=50,
    )
    participants = list(PeppolParticipant.objects.filter(dossier=request.dossier).order_by("scheme", "value"))
    return render(request, "peppol/inbox.html", {"page": documents, "participants": participants})


def _received(request, uuid) -> ReceivedDocument:
    return get_object_or_404(ReceivedDocument.objects.filter(dossier=request.dossier), uuid=uuid)


@requires(Capability.DOSSIER_VIEW)
def inbox_detail(request, dossier_code: str, uuid):
    document = _received(request, uuid)
    return render(request, "peppol/inbox_detail.html", {"document": document, "d": document.summary})


@xframe_options_sameorigin  # the PDF is shown inside the document's page
@requires(Capability.DOSSIER_VIEW)
def inbox_file(request, dossier_code: str, uuid, kind: str):
    document = _received(request, uuid)
    field = {"ubl": document.ubl, "pdf": document.pdf, "envelope": document.envelope}.get(kind)
    if not field:
        raise Http404
    suffix, mime = {"pdf": ("pdf", "application/pdf")}.get(kind, ("xml", "application/xml"))
    name = f"{document.number or document.uuid}{'-envelope' if kind == 'envelope' else ''}.{suffix}"
    return FileResponse(field.open("rb"), as_attachment=kind != "pdf", filename=name, content_type=mime)


@requires(Capability.DOSSIER_VIEW)
def customer_peppol(request, dossier_code: str, code: str):
    """Whether a customer is reachable on Peppol (lazy-loaded badge on the customer page and in the editor)."""
    customer = get_object_or_404(request.dossier.customers, code=code)
    result = services.customer_reachability(customer, refresh=request.GET.get("refresh") == "1")
    return render(request, "peppol/partials/reachability.html", {"customer": customer, "lookup": result})


BATCHES = "kyte_send_batches"


@require_POST
@requires(Capability.DOSSIER_EDIT)
@kyte_required
def invoice_bulk_send(request, dossier_code: str):
    """Send the selected issued documents; then a progress page follows the whole batch."""
    selected = [value for value in request.POST.getlist("invoices")[:500] if is_uuid(value)]
    invoices = list(
        request.dossier.invoices.filter(uuid__in=selected).exclude(status="draft").order_by("number")
    )
    if not invoices:
        messages.error(request, _("Select at least one issued document."))
        return redirect("invoice_list", dossier_code=dossier_code)
    queued, refused = [], []
    for invoice in invoices:
        try:
            queued.append(services.invoice_send(invoice=invoice, actor=request.user).pk)
        except DomainError as exc:
            refused.append((invoice.number, str(exc.message)))
    token = secrets.token_urlsafe(8)
    batches = request.session.get(BATCHES, {})
    batches = dict(list(batches.items())[-9:])  # the last ten batches of this session
    batches[token] = {"dossier": request.dossier.pk, "transmissions": queued, "refused": refused}
    request.session[BATCHES] = batches
    return redirect("invoice_bulk_progress", dossier_code=dossier_code, token=token)


@requires(Capability.DOSSIER_VIEW)
def invoice_bulk_progress(request, dossier_code: str, token: str):
    batch = request.session.get(BATCHES, {}).get(token)
    if not batch or batch["dossier"] != request.dossier.pk:
        raise Http404
    rows = Transmission.objects.filter(dossier=request.dossier, pk__in=batch["transmissions"])
    counts = {row["status"]: row["n"] for row in rows.values("status").annotate(n=Count("pk"))}
    finished = rows.filter(finished_at__isnull=False).exclude(status__in=FINAL).count()
    total = len(batch["transmissions"])
    done = sum(counts.get(s, 0) for s in FINAL) + finished
    problems = list(
        rows.filter(status__in=[TransmissionStatus.FAILED, TransmissionStatus.REJECTED]).select_related(
            "invoice"
        )
    )
    context = {
        "token": token,
        "total": total,
        "done": done,
        "counts": [(status, status.label, counts.get(status, 0)) for status in TransmissionStatus],
        "problems": problems,
        "refused": batch["refused"],
        "complete": done >= total,
    }
    template = "peppol/partials/bulk_progress.html" if request.htmx else "peppol/bulk_progress.html"
    return render(request, template, context)
