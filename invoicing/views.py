from __future__ import annotations

import csv

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Capability
from accounts.selectors import paginate
from accounts.tenancy import requires
from billing.gate import kyte_required
from invoicing import selectors, services
from invoicing.forms import AllowanceFormSet, CustomerForm, InvoiceHeaderForm, LineFormSet, ProductForm
from invoicing.models import DocumentKind, Invoice, InvoiceStatus
from invoicing.vat import VatCase
from kyte import spreadsheet
from kyte.errors import DomainError


def _invoice(request, uuid) -> Invoice:
    return get_object_or_404(
        request.dossier.invoices.select_related("customer", "credited_invoice"), uuid=uuid
    )


# --- Customers ------------------------------------------------------------------------------------------------


@requires(Capability.DOSSIER_VIEW)
def customer_list(request, dossier_code: str):
    page = paginate(
        selectors.dossier_customers(
            dossier=request.dossier,
            search=request.GET.get("q", ""),
            archived=request.GET.get("archived") == "1",
        ),
        page=request.GET.get("page"),
    )
    template = "invoicing/partials/customer_table.html" if request.htmx else "invoicing/customer_list.html"
    return render(request, template, {"page": page})


@requires(Capability.DOSSIER_EDIT)
@kyte_required
def customer_create(request, dossier_code: str):
    form = CustomerForm(request.POST or None, initial={"language": request.dossier.language})
    if request.method == "POST" and form.is_valid():
        customer = services.customer_create(dossier=request.dossier, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Customer %(name)s created.") % {"name": customer.legal_name})
        next_url = request.POST.get("next", "")
        if next_url.startswith(f"/d/{dossier_code}/"):
            return redirect(next_url)
        return redirect("customer_list", dossier_code=dossier_code)
    return render(request, "invoicing/customer_form.html", {"form": form})


@requires(Capability.DOSSIER_VIEW, post=Capability.DOSSIER_EDIT)
def customer_edit(request, dossier_code: str, code: str):
    customer = get_object_or_404(request.dossier.customers, code=code)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        services.customer_update(customer=customer, actor=request.user, data=form.cleaned_data)
        messages.success(request, _("Customer saved."))
        return redirect("customer_list", dossier_code=dossier_code)
    return render(request, "invoicing/customer_form.html", {"form": form, "customer": customer})


@require_POST
@requires(Capability.DOSSIER_EDIT)
def customer_archive(request, dossier_code: str, code: str):
    customer = get_object_or_404(request.dossier.customers, code=code)
    services.customer_update(
        customer=customer, actor=request.user, data={"is_archived": not customer.is_archived}
    )
    messages.success(request, _("Customer archived.") if customer.is_archived else _("Customer restored."))
    return redirect("customer_list", dossier_code=dossier_code)


# --- Products -------------------------------------------------------------------------------------------------


@requires(Capability.DOSSIER_VIEW, post=Capability.DOSSIER_EDIT)
def product_list(request, dossier_code: str):
    form = ProductForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        services.product_save(dossier=request.dossier, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Product saved."))
        return redirect("product_list", dossier_code=dossier_code)
    products = selectors.dossier_products(dossier=request.dossier, search=request.GET.get("q", ""))
    return render(
        request,
        "invoicing/product_list.html",
        {"page": paginate(products, page=request.GET.get("page")), "form": form},
    )


@requires(Capability.DOSSIER_VIEW, post=Capability.DOSSIER_EDIT)
def product_edit(request, dossier_code: str, code: str):
    product = get_object_or_404(request.dossier.products, code=code)
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        services.product_save(
            dossier=request.dossier, actor=request.user, product=product, **form.cleaned_data
        )
        messages.success(request, _("Product saved."))
        return redirect("product_list", dossier_code=dossier_code)
    return render(request, "invoicing/product_form.html", {"form": form, "product": product})


@requires(Capability.DOSSIER_VIEW)
def product_search(request, dossier_code: str):
    """Picked while typing a line: an HTMX list of matching products."""
    term = request.GET.get("q") or next((v for k, v in request.GET.items() if k.endswith("-description")), "")
    products = selectors.dossier_products(dossier=request.dossier, search=term)[:8] if term.strip() else []
    return render(
        request,
        "invoicing/partials/product_options.html",
        {"products": products, "target": request.GET.get("target", "")},
    )


# --- Invoices: list, export -------------------------------------------------------------------------------------


def _filters(request) -> dict:
    return {k: request.GET.get(k, "") for k in ("status", "kind", "customer", "start", "end")} | {
        "search": request.GET.get("q", "")
    }


@requires(Capability.DOSSIER_VIEW)
def invoice_list(request, dossier_code: str):
    filters = _filters(request)
    qs = selectors.dossier_invoices(dossier=request.dossier, **filters)
    from peppol.selectors import with_sending

    context = {
        "page": paginate(with_sending(qs), page=request.GET.get("page")),
        "totals": selectors.invoice_totals(qs),
        "filters": filters,
        "statuses": InvoiceStatus.choices,
        "kinds": DocumentKind.choices,
        "customers": request.dossier.customers.order_by("legal_name").only("code", "legal_name"),
    }
    template = "invoicing/partials/invoice_table.html" if request.htmx else "invoicing/invoice_list.html"
    return render(request, template, context)


class _Echo:
    def write(self, value):
        return value


@requires(Capability.DOSSIER_VIEW)
def invoice_export(request, dossier_code: str):
    qs = selectors.dossier_invoices(dossier=request.dossier, **_filters(request)).exclude(status="draft")
    writer = csv.writer(_Echo(), delimiter=";")

    def rows():
        yield "\ufeff"
        yield writer.writerow(
            [
                _("Number"),
                _("Kind"),
                _("Status"),
                _("Issue date"),
                _("Due date"),
                _("Customer"),
                _("Customer VAT"),
                _("Total excl. VAT"),
                _("VAT"),
                _("Total"),
                _("Structured communication"),
            ]
        )
        for inv in qs.iterator(chunk_size=500):
            yield writer.writerow(
                spreadsheet.row(
                    [
                        inv.number,
                        inv.get_kind_display(),
                        inv.get_status_display(),
                        inv.issue_date,
                        inv.due_date or "",
                        inv.snapshot.get("buyer", {}).get("name", ""),
                        inv.snapshot.get("buyer", {}).get("vat_number", ""),
                        inv.tax_exclusive,
                        inv.tax_total,
                        inv.payable,
                        inv.structured_reference,
                    ]
                )
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="invoices-{request.dossier.code}.csv"'
    return response


# --- Invoices: authoring ------------------------------------------------------------------------------------------


@require_POST
@requires(Capability.DOSSIER_EDIT)
@kyte_required
def invoice_create(request, dossier_code: str):
    customer = request.dossier.customers.filter(code=request.POST.get("customer", "")).first()
    kind = (
        DocumentKind.CREDIT_NOTE
        if request.POST.get("kind") == DocumentKind.CREDIT_NOTE
        else DocumentKind.INVOICE
    )
    invoice = services.invoice_create(
        dossier=request.dossier, actor=request.user, customer=customer, kind=kind
    )
    return redirect("invoice_detail", dossier_code=dossier_code, uuid=invoice.uuid)


def _line_initial(invoice):
    return [
        {
            "description": ln.description,
            "quantity": ln.quantity.normalize(),
            "unit": ln.unit,
            "unit_price": ln.unit_price.normalize(),
            "discount_percent": ln.discount_percent.normalize(),
            "vat_case": ln.vat_case,
            "vat_rate": ln.vat_rate.normalize(),
        }
        for ln in invoice.lines.all()
    ]


def _allowance_initial(invoice):
    return [
        {
            "is_charge": "1" if a.is_charge else "0",
            "reason": a.reason,
            "amount": a.amount,
            "vat_case": a.vat_case,
            "vat_rate": a.vat_rate.normalize(),
        }
        for a in invoice.allowances_charges.all()
    ]


def _editor_context(
    request,
    invoice,
    header=None,
    lines=None,
    allowances=None,
    problems=None,
    *,
    extra_line=False,
    extra_allowance=False,
):
    if header is None:
        header = InvoiceHeaderForm(instance=invoice, dossier=request.dossier, prefix="h")
        line_rows = _line_initial(invoice)
        if extra_line or not line_rows:
            line_rows.append({})
        lines = LineFormSet(initial=line_rows, prefix="line")
        allowances = AllowanceFormSet(
            initial=_allowance_initial(invoice) + ([{}] if extra_allowance else []), prefix="ac"
        )
    return {
        "invoice": invoice,
        "header": header,
        "lines": lines,
        "allowances": allowances,
        "problems": problems or [],
        "language_warning": services.language_warning(invoice),
        "vat_cases": VatCase.choices,
        "totals": services.invoice_totals(invoice),
    }


def _kept(formset):
    """The rows the user kept, in order, as cleaned dicts (blank new rows and deleted rows dropped)."""
    return [
        {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


@requires(Capability.DOSSIER_VIEW, post=Capability.DOSSIER_EDIT)
def invoice_detail(request, dossier_code: str, uuid):
    invoice = _invoice(request, uuid)
    if not invoice.is_draft:
        from invoicing.pdf import document_context
        from peppol.views import delivery_context

        return render(
            request,
            "invoicing/invoice_detail.html",
            {
                **document_context(invoice),
                **{k: v for k, v in delivery_context(invoice).items() if k != "invoice"},
                "history": invoice.dossier.audit_entries.filter(
                    object_type="invoicing.invoice", object_id=str(invoice.pk)
                ).select_related("actor")[:20],
            },
        )
    if request.method == "GET":
        return render(request, "invoicing/invoice_edit.html", _editor_context(request, invoice))
    return _invoice_post(request, invoice)


@kyte_required
def _invoice_post(request, invoice):
    """One form, one endpoint. A change in a field autosaves (HTMX, no `action`) and refreshes only the totals, so
    what the user is typing elsewhere is never replaced; buttons add, move or remove lines, save or issue."""
    action = request.POST.get("action") or ("autosave" if request.htmx else "save")
    header = InvoiceHeaderForm(request.POST, instance=invoice, dossier=request.dossier, prefix="h")
    lines = LineFormSet(request.POST, prefix="line")
    allowances = AllowanceFormSet(request.POST, prefix="ac")
    template = "invoicing/partials/editor.html" if request.htmx else "invoicing/invoice_edit.html"
    previous_customer = invoice.customer_id
    if not (header.is_valid() & lines.is_valid() & allowances.is_valid()):
        if action == "autosave":  # a line being typed: keep the page as it is, say it is not saved yet
            response = HttpResponse(status=204)
            response["HX-Trigger"] = "kyte-unsaved"
            return response
        invoice.refresh_from_db()
        return render(
            request, template, _editor_context(request, invoice, header, lines, allowances), status=422
        )
    line_rows, ac_rows = _kept(lines), _kept(allowances)
    if action.startswith(("up:", "down:")) and action.split(":")[1].isdigit():
        index = int(action.split(":")[1])
        other = index - 1 if action.startswith("up:") else index + 1
        if 0 <= index < len(line_rows) and 0 <= other < len(line_rows):
            line_rows[index], line_rows[other] = line_rows[other], line_rows[index]
    invoice = services.invoice_save_draft(
        invoice=invoice,
        actor=request.user,
        data=dict(header.cleaned_data),
        lines=line_rows,
        allowances=ac_rows,
    )
    if action == "issue":
        return _issue(request, invoice)
    if action == "save" and not request.htmx:
        messages.success(request, _("Draft saved."))
        return redirect("invoice_detail", dossier_code=invoice.dossier.code, uuid=invoice.uuid)
    if action == "autosave" and invoice.customer_id == previous_customer:
        response = render(
            request,
            "invoicing/partials/totals.html",
            {"invoice": invoice, "totals": services.invoice_totals(invoice)},
        )
        response["HX-Retarget"] = "#totals"
        response["HX-Reswap"] = "outerHTML"
        return response
    context = _editor_context(
        request, invoice, extra_line=action == "add_line", extra_allowance=action == "add_allowance"
    )
    return render(request, template, context)


def _issue(request, invoice):
    try:
        issued = services.invoice_issue(invoice=invoice, actor=request.user)
    except services.IssueRefused as exc:
        invoice.refresh_from_db()
        context = _editor_context(request, invoice, problems=exc.problems)
        template = "invoicing/partials/editor.html" if request.htmx else "invoicing/invoice_edit.html"
        return render(request, template, context, status=422)
    except DomainError as exc:
        messages.error(request, exc.message)
        url = reverse("invoice_detail", kwargs={"dossier_code": invoice.dossier.code, "uuid": invoice.uuid})
        return _redirect(request, url)
    messages.success(
        request,
        _("%(kind)s %(number)s issued.") % {"kind": issued.get_kind_display(), "number": issued.number},
    )
    return _redirect(
        request,
        reverse("invoice_detail", kwargs={"dossier_code": invoice.dossier.code, "uuid": invoice.uuid}),
    )


def _redirect(request, url):
    from django_htmx.http import HttpResponseClientRedirect

    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@requires(Capability.DOSSIER_VIEW)
def invoice_preview(request, dossier_code: str, uuid):
    """The document as it will be printed: drafts with the current dossier and customer data."""
    from invoicing.pdf import render_html

    invoice = _invoice(request, uuid)
    if invoice.is_draft:
        invoice.snapshot = services.preview_snapshot(invoice)
    return HttpResponse(render_html(invoice, preview=invoice.is_draft))


@requires(Capability.DOSSIER_VIEW)
def invoice_pdf(request, dossier_code: str, uuid):
    """The stored PDF; while the worker is still rendering it, a page that polls and then starts the download."""
    from django_htmx.http import HttpResponseClientRedirect

    from invoicing.services import _render_later

    invoice = _invoice(request, uuid)
    if invoice.is_draft:
        raise Http404
    if not invoice.pdf and not request.htmx:
        _render_later(invoice.pk)  # a worker renders it (or, with eager tasks, it is there at once)
        invoice.refresh_from_db()
    if invoice.pdf:
        if request.htmx:
            return HttpResponseClientRedirect(request.path)
        return FileResponse(
            invoice.pdf.open("rb"),
            as_attachment=request.GET.get("inline") != "1",
            filename=f"{invoice.number}.pdf",
            content_type="application/pdf",
        )
    if request.htmx:
        return HttpResponse(status=202)
    return render(request, "invoicing/pdf_pending.html", {"invoice": invoice}, status=202)


@requires(Capability.DOSSIER_VIEW)
def invoice_ubl(request, dossier_code: str, uuid):
    """The stored UBL original (Peppol documents only)."""
    invoice = _invoice(request, uuid)
    if not invoice.ubl:
        raise Http404
    return FileResponse(
        invoice.ubl.open("rb"),
        as_attachment=True,
        filename=f"{invoice.number}.xml",
        content_type="application/xml",
    )


@require_POST
@requires(Capability.DOSSIER_EDIT)
@kyte_required
def invoice_credit(request, dossier_code: str, uuid):
    invoice = _invoice(request, uuid)
    try:
        note = services.credit_note_create(
            invoice=invoice,
            actor=request.user,
            line_ids=[int(i) for i in request.POST.getlist("lines") if i.isdigit()],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("invoice_detail", dossier_code=dossier_code, uuid=uuid)
    messages.info(request, _("Credit note draft created: check it, then issue it."))
    return redirect("invoice_detail", dossier_code=dossier_code, uuid=note.uuid)


@require_POST
@requires(Capability.DOSSIER_EDIT)
def invoice_delete(request, dossier_code: str, uuid):
    invoice = _invoice(request, uuid)
    try:
        services.invoice_delete_draft(invoice=invoice, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("invoice_detail", dossier_code=dossier_code, uuid=uuid)
    messages.success(request, _("Draft deleted."))
    return redirect("invoice_list", dossier_code=dossier_code)


@requires(Capability.DOSSIER_VIEW, post=Capability.DOSSIER_EDIT)
def document_settings(request, dossier_code: str):
    """Branding of the PDF and numbering of the series."""
    from invoicing.forms import BrandingForm, NumberingForm
    from invoicing.models import Branding
    from invoicing.numbering import numbering_for

    branding = Branding.objects.filter(dossier=request.dossier).first() or Branding(dossier=request.dossier)
    numbering = numbering_for(request.dossier)
    which = request.POST.get("form")
    branding_form = BrandingForm(
        request.POST if which == "branding" else None,
        request.FILES if which == "branding" else None,
        instance=branding,
        prefix="b",
    )
    numbering_form = NumberingForm(
        request.POST if which == "numbering" else None, instance=numbering, prefix="n"
    )
    if which == "branding" and branding_form.is_valid():
        data = {
            k: branding_form.cleaned_data[k]
            for k in ("accent_color", "footer_text", "payment_instructions", "rpr_court")
        }
        services.branding_save(
            dossier=request.dossier,
            actor=request.user,
            data=data,
            logo=branding_form.cleaned_data.get("logo_upload"),
            remove_logo=branding_form.cleaned_data.get("remove_logo", False),
        )
        messages.success(request, _("Document layout saved."))
        return redirect("document_settings", dossier_code=dossier_code)
    if which == "numbering" and numbering_form.is_valid():
        services.numbering_save(
            dossier=request.dossier, actor=request.user, data=dict(numbering_form.cleaned_data)
        )
        messages.success(request, _("Numbering saved. Series already started keep their prefix."))
        return redirect("document_settings", dossier_code=dossier_code)
    return render(
        request,
        "invoicing/document_settings.html",
        {"branding_form": branding_form, "numbering_form": numbering_form, "branding": branding},
    )
