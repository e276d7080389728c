from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from accounts.roles import Capability
from accounts.tenancy import requires
from billing import selectors, services
from billing.backends import backend_for, get_backend
from billing.forms import CompanyDataForm, ContactForm, ContactOnlyForm
from billing.gate import kyte_required
from billing.models import Mode, Status
from kyte.errors import DomainError

log = logging.getLogger(__name__)


def _mode_for(request) -> Mode:
    return Mode.ACCOUNTANT if request.access.is_firm_staff else Mode.SELF_SERVICE


def _settings_url(dossier) -> str:
    return reverse("dossier_settings", kwargs={"dossier_code": dossier.code})


# --- Dossier: activation ------------------------------------------------------------------------------------


@requires(Capability.KYTE_MANAGE)
def kyte_activate(request, dossier_code: str):
    dossier = request.dossier
    sub = selectors.kyte_state(dossier)
    fk = selectors.firm_kyte(request.firm)
    if not sub.is_available(fk):
        return render(request, "billing/not_active.html", {"sub": sub, "available": False}, status=403)
    if sub.is_active:
        return redirect("kyte_subscription", dossier_code=dossier_code)
    mode = _mode_for(request)
    contact = services.default_contact(user=request.user, dossier=dossier, mode=mode)
    company = CompanyDataForm(request.POST or None, instance=dossier, prefix="company")
    contact_form = ContactForm(request.POST or None, initial=contact, prefix="contact")
    if request.method == "POST" and company.is_valid() and contact_form.is_valid():
        data = {name: company.cleaned_data[name] for name in services.COMPANY_FIELDS}
        try:
            services.kyte_start_trial(
                dossier=dossier,
                actor=request.user,
                mode=mode,
                company=data,
                contact={k: contact_form.cleaned_data[k] for k in ("name", "email", "phone")},
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(_settings_url(dossier))
        messages.success(request, _("Kyte is active: your 30-day free trial has started."))
        if mode == Mode.ACCOUNTANT:
            messages.warning(
                request, _("Replace the Kyte contact details with your client's: they are yours for now.")
            )
            return redirect(reverse("kyte_subscription", kwargs={"dossier_code": dossier_code}) + "#contact")
        return redirect(_settings_url(dossier))
    if request.method == "POST":
        dossier.refresh_from_db()
    return render(
        request,
        "billing/activate.html",
        {
            "company": company,
            "contact_form": contact_form,
            "sub": sub,
            "mode": mode,
            "trial_used": sub.trial_used,
        },
    )


@require_POST
@requires(Capability.DOSSIER_VIEW)
def kyte_prompt_snooze(request, dossier_code: str):
    membership = request.dossier.memberships.filter(user=request.user).first()
    if membership is not None:
        services.snooze_prompt(membership=membership)
    if request.htmx:
        return HttpResponse("")
    return redirect("dossier_dashboard", dossier_code=dossier_code)


# --- Dossier: the Kyte area ---------------------------------------------------------------------------------


@requires(Capability.DOSSIER_VIEW)
@kyte_required
def kyte_home(request, dossier_code: str):
    return redirect("invoice_list", dossier_code=dossier_code)


@requires(Capability.DOSSIER_VIEW, post=Capability.KYTE_MANAGE)
def kyte_subscription(request, dossier_code: str):
    """Kyte settings of the dossier: status, contact details, subscription actions. Readable when not active."""
    dossier = request.dossier
    sub = selectors.kyte_state(dossier)
    form = ContactOnlyForm(
        request.POST or None,
        initial={"name": sub.contact_name, "email": sub.contact_email, "phone": sub.contact_phone},
        prefix="contact",
    )
    if request.method == "POST" and sub.pk and form.is_valid():
        services.kyte_update_contact(dossier=dossier, actor=request.user, **form.cleaned_data)
        sub.refresh_from_db()
        if sub.contact_is_activating_accountant:
            messages.warning(request, _("These are still your own details: enter your client's."))
        else:
            messages.success(request, _("Kyte contact details saved."))
        return redirect("kyte_subscription", dossier_code=dossier_code)
    return render(
        request,
        "billing/subscription.html",
        {
            "sub": sub,
            "form": form,
            "can_manage": request.access.has(Capability.KYTE_MANAGE),
            "can_firm": request.access.has(Capability.FIRM_KYTE),
            "modes": Mode.choices,
            "price": settings.KYTE_PRICE_ANNUAL,
            "firm_price": settings.KYTE_PRICE_FIRM_MONTHLY,
            "history": sub.changes.select_related("actor").order_by("-at")[:20] if sub.pk else [],
        },
    )


@require_POST
@requires(Capability.KYTE_MANAGE)
def kyte_subscribe(request, dossier_code: str):
    dossier = request.dossier
    sub = services.subscription_for(dossier)
    if not sub.is_available():
        messages.error(request, _("Your accounting firm has not made Kyte available to this dossier yet."))
        return redirect(_settings_url(dossier))
    if sub.status == Status.ACTIVE:
        return redirect("kyte_subscription", dossier_code=dossier_code)
    if sub.mode == Mode.ACCOUNTANT:
        if not request.access.is_firm_staff:
            messages.error(request, _("Your accounting firm manages this subscription."))
            return redirect("kyte_subscription", dossier_code=dossier_code)
        try:
            services.kyte_firm_subscribe(dossier=dossier, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Kyte is active; the firm is billed for this dossier every month."))
        return redirect("kyte_subscription", dossier_code=dossier_code)
    base = settings.SITE_URL
    backend = get_backend()
    if sub.backend != backend.name:
        type(sub).objects.filter(pk=sub.pk).update(backend=backend.name)
        sub.backend = backend.name
    url = backend.checkout_url(
        sub,
        success_url=base + reverse("kyte_checkout_return", kwargs={"dossier_code": dossier_code}),
        cancel_url=base + reverse("kyte_subscription", kwargs={"dossier_code": dossier_code}),
    )
    return redirect(url)


@requires(Capability.KYTE_MANAGE)
def kyte_checkout_local(request, dossier_code: str, uuid):
    """The local backend's simulated checkout: the whole journey works offline."""
    sub = selectors.kyte_state(request.dossier)
    token = uuid
    if str(sub.checkout_token) != str(token):
        messages.error(request, _("This payment page has expired. Start the subscription again."))
        return redirect("kyte_subscription", dossier_code=dossier_code)
    if request.method == "POST":
        try:
            services.kyte_local_checkout_paid(dossier=request.dossier, actor=request.user, token=token)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("kyte_subscription", dossier_code=dossier_code)
        messages.success(request, _("Thank you: the annual Kyte subscription is active."))
        return redirect(_settings_url(request.dossier))
    return render(request, "billing/checkout_local.html", {"sub": sub, "price": settings.KYTE_PRICE_ANNUAL})


@requires(Capability.DOSSIER_VIEW)
def kyte_checkout_return(request, dossier_code: str):
    """Back from Stripe Checkout: the webhook activates; this page polls until it has."""
    sub = selectors.kyte_state(request.dossier)
    template = "billing/partials/checkout_status.html" if request.htmx else "billing/checkout_return.html"
    return render(request, template, {"sub": sub})


@require_POST
@requires(Capability.KYTE_MANAGE)
def kyte_stop(request, dossier_code: str):
    try:
        sub = services.kyte_stop(dossier=request.dossier, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if sub.status == Status.NOT_ACTIVE:
            messages.success(request, _("Kyte is stopped. Your invoices stay available to read."))
        else:
            messages.success(
                request,
                _("The subscription ends on %(date)s; Kyte stays active until then.")
                % {"date": sub.current_period_end.date() if sub.current_period_end else "—"},
            )
    return redirect("kyte_subscription", dossier_code=dossier_code)


@require_POST
@requires(Capability.KYTE_MANAGE)
def kyte_resume(request, dossier_code: str):
    services.kyte_resume(dossier=request.dossier, actor=request.user)
    messages.success(request, _("The subscription will renew."))
    return redirect("kyte_subscription", dossier_code=dossier_code)


@require_POST
@requires(Capability.KYTE_MANAGE)
def kyte_portal(request, dossier_code: str):
    sub = services.subscription_for(request.dossier)
    return_url = settings.SITE_URL + reverse("kyte_subscription", kwargs={"dossier_code": dossier_code})
    return redirect(backend_for(sub).portal_url(sub, return_url=return_url))


@require_POST
@requires(Capability.FIRM_KYTE)
def kyte_mode(request, dossier_code: str):
    mode = request.POST.get("mode")
    if mode not in Mode.values:
        return HttpResponseBadRequest("unknown mode")
    services.kyte_switch_mode(dossier=request.dossier, mode=Mode(mode), actor=request.user)
    messages.success(request, _("Subscription management changed to: %(mode)s.") % {"mode": Mode(mode).label})
    return redirect("kyte_subscription", dossier_code=dossier_code)


# --- Firm: availability and accountant-mode activation --------------------------------------------------------


@requires(Capability.FIRM_KYTE)
def firm_kyte(request, firm_slug: str):
    firm = request.firm
    if request.method == "POST":
        services.firm_kyte_set_default(
            firm=firm, available=request.POST.get("available_by_default") == "on", actor=request.user
        )
        messages.success(request, _("Kyte availability saved."))
        return redirect("firm_kyte", firm_slug=firm_slug)
    page = account_selectors.paginate(
        account_selectors.firm_dossiers(firm=firm, search=request.GET.get("q", "")),
        page=request.GET.get("page"),
        per_page=50,
    )
    fk = selectors.firm_kyte(firm)
    subs = selectors.firm_subscriptions(firm=firm, dossiers=page.object_list)
    rows = [(d, subs[d.pk], subs[d.pk].is_available(fk)) for d in page.object_list]
    return render(request, "billing/firm_kyte.html", {"page": page, "rows": rows, "firm_kyte": fk})


BULK_ACTIONS = {"make_available", "withdraw", "activate"}


@require_POST
@requires(Capability.FIRM_KYTE)
def firm_kyte_bulk(request, firm_slug: str):
    action = request.POST.get("action")
    codes = request.POST.getlist("dossiers")
    back = request.POST.get("next") or reverse("firm_dashboard", kwargs={"firm_slug": firm_slug})
    if not back.startswith("/"):
        back = reverse("firm_dashboard", kwargs={"firm_slug": firm_slug})
    if action not in BULK_ACTIONS or not codes:
        messages.error(request, _("Select at least one dossier and an action."))
        return redirect(back)
    dossiers = list(request.firm.dossiers.filter(code__in=codes).order_by("legal_name"))
    if action == "activate":
        activated, refused = services.kyte_activate_for_clients(
            firm=request.firm, dossiers=dossiers, actor=request.user
        )
        if activated:
            messages.success(
                request,
                _("Kyte trial started for: %(names)s.")
                % {"names": ", ".join(d.legal_name for d in activated)},
            )
            messages.warning(
                request,
                _(
                    "The Kyte contact details of these dossiers are yours for now: replace them "
                    "with each client's."
                ),
            )
        for dossier, reason in refused.items():
            messages.error(request, f"{dossier.legal_name}: {reason}")
    else:
        for dossier in dossiers:
            services.kyte_set_available(
                dossier=dossier, available=action == "make_available", actor=request.user
            )
        messages.success(request, _("%(count)s dossiers updated.") % {"count": len(dossiers)})
    return redirect(back)


# --- Stripe webhook -------------------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def stripe_webhook(request):
    from billing.webhooks import WebhookRejected, handle_webhook

    try:
        outcome = handle_webhook(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except WebhookRejected as exc:
        log.warning("Stripe webhook rejected: %s", exc)
        return HttpResponseBadRequest(str(exc))
    return HttpResponse(outcome, content_type="text/plain")
