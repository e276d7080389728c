from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts import selectors, services
from accounts.forms import (
    CsvImportForm,
    DossierForm,
    FirmForm,
    FirmSignupForm,
    dossier_invitation_form,
    parse_import,
    staff_invitation_form,
)
from accounts.middleware import set_language_cookie
from accounts.models import Language
from accounts.roles import Capability
from accounts.tenancy import requires
from billing import selectors as kyte_selectors
from kyte.errors import DomainError

IMPORT_SESSION_KEY = "kyte_dossier_import"


def _redirect(request, url: str):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- Entry points -------------------------------------------------------------------------------------------


def home(request):
    if not request.user.is_authenticated:
        return render(request, "accounts/landing.html")
    membership = selectors.user_firm_membership(user=request.user)
    if membership is not None:
        return redirect("firm_dashboard", firm_slug=membership.firm.slug)
    dossiers = list(selectors.user_dossiers(user=request.user)[:2])
    if len(dossiers) == 1:
        return redirect("dossier_dashboard", dossier_code=dossiers[0].code)
    if dossiers:
        return redirect("dossier_choose")
    return render(request, "accounts/onboarding.html")


@login_required
def dossier_choose(request):
    return render(
        request, "accounts/dossier_choose.html", {"dossiers": selectors.user_dossiers(user=request.user)}
    )


@login_required
def firm_signup(request):
    if selectors.user_firm_membership(user=request.user) is not None:
        messages.info(request, _("You already work for a firm."))
        return redirect("home")
    form = FirmSignupForm(
        request.POST or None, initial={"full_name": request.user.full_name, "email": request.user.email}
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "full_name"}
        try:
            firm = services.firm_create(owner=request.user, **data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if form.cleaned_data["full_name"] != request.user.full_name:
                request.user.full_name = form.cleaned_data["full_name"]
                request.user.save(update_fields=["full_name"])
            messages.success(request, _("Welcome to Kyte. Add your client dossiers to get started."))
            return redirect("firm_dashboard", firm_slug=firm.slug)
    return render(request, "accounts/firm_signup.html", {"form": form})


def invitation_accept(request, token: str):
    invitation = services.invitation_for_token(token)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            invitation = services.invitation_accept(token=token, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        if invitation.dossier_id:
            messages.success(
                request, _("You now have access to %(name)s.") % {"name": invitation.dossier.legal_name}
            )
            return redirect("dossier_dashboard", dossier_code=invitation.dossier.code)
        messages.success(request, _("You joined %(name)s.") % {"name": invitation.firm.name})
        return redirect("firm_dashboard", firm_slug=invitation.firm.slug)
    if invitation is not None and invitation.is_usable and not request.user.is_authenticated:
        # The link came by e-mail to this address: signing up with it needs no second verification.
        from allauth.account.adapter import get_adapter

        get_adapter(request).stash_verified_email(request, invitation.email)
        request.session["kyte_invitation_next"] = request.path
    status = 200 if invitation is not None else 404
    return render(
        request, "accounts/invitation.html", {"invitation": invitation, "token": token}, status=status
    )


@require_POST
def set_language(request):
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        set_language_cookie(response, language)
        services.user_set_language(user=request.user, language=language)
    return response


# --- Firm pages ---------------------------------------------------------------------------------------------


@requires(Capability.FIRM_VIEW)
def firm_dashboard(request, firm_slug: str):
    firm = request.firm
    filters = {
        "search": request.GET.get("q", ""),
        "accountant_id": request.GET.get("accountant", ""),
        "language": request.GET.get("language", ""),
        "archived": request.GET.get("archived") == "1",
    }
    page = selectors.paginate(selectors.firm_dossiers(firm=firm, **filters), page=request.GET.get("page"))
    fk = kyte_selectors.firm_kyte(firm)
    subs = kyte_selectors.firm_subscriptions(firm=firm, dossiers=page.object_list)
    context = {
        "page": page,
        "rows": [(d, subs[d.pk], subs[d.pk].is_available(fk)) for d in page.object_list],
        "filters": filters,
        "staff": selectors.firm_staff(firm=firm),
        "languages": Language.choices,
        "total": firm.dossiers.filter(is_archived=False).count(),
    }
    template = "accounts/partials/dossier_table.html" if request.htmx else "accounts/firm_dashboard.html"
    return render(request, template, context)


@requires(Capability.DOSSIER_CREATE)
def dossier_create(request, firm_slug: str):
    form = DossierForm(request.POST or None, firm=request.firm, initial={"accountant": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            dossier = services.dossier_create(firm=request.firm, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error("enterprise_number", exc.message)
        else:
            messages.success(request, _("Dossier %(name)s created.") % {"name": dossier.legal_name})
            return redirect("dossier_members", dossier_code=dossier.code)
    return render(request, "accounts/dossier_create.html", {"form": form})


@requires(Capability.DOSSIER_CREATE)
def dossier_import(request, firm_slug: str):
    form = CsvImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        rows, file_errors = parse_import(form.cleaned_data["file"], firm=request.firm)
        context.update(
            rows=rows,
            file_errors=file_errors,
            invite=form.cleaned_data["invite"],
            error_count=sum(1 for r in rows if not r.ok),
        )
        if rows and not file_errors and all(r.ok for r in rows):
            request.session[IMPORT_SESSION_KEY] = {
                "firm": request.firm.pk,
                "rows": [r.values for r in rows],
                "invite": form.cleaned_data["invite"],
            }
            context["ready"] = True
        else:
            request.session.pop(IMPORT_SESSION_KEY, None)
    return render(request, "accounts/dossier_import.html", context)


@require_POST
@requires(Capability.DOSSIER_CREATE)
def dossier_import_confirm(request, firm_slug: str):
    pending = request.session.get(IMPORT_SESSION_KEY)
    if not pending or pending.get("firm") != request.firm.pk:
        messages.error(request, _("Nothing to import: upload the file again."))
        return redirect("dossier_import", firm_slug=firm_slug)
    rows = pending["rows"]
    for row in rows:  # re-check against dossiers created since the preview
        row.pop("accountant", None)
        row["accountant"] = request.user
    try:
        result = services.dossier_import(
            firm=request.firm, actor=request.user, rows=rows, invite=pending["invite"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("dossier_import", firm_slug=firm_slug)
    request.session.pop(IMPORT_SESSION_KEY, None)
    messages.success(request, _("%(count)s dossiers imported.") % {"count": len(result.created)})
    return redirect("firm_dashboard", firm_slug=firm_slug)


@requires(Capability.FIRM_MANAGE)
def firm_settings(request, firm_slug: str):
    form = FirmForm(request.POST or None, instance=request.firm)
    if request.method == "POST" and form.is_valid():
        services.firm_update(firm=request.firm, actor=request.user, data=form.cleaned_data)
        messages.success(request, _("Firm settings saved."))
        return redirect("firm_settings", firm_slug=firm_slug)
    if request.method == "POST":
        request.firm.refresh_from_db()
    return render(request, "accounts/firm_settings.html", {"form": form})


def _team_context(request, form=None):
    return {
        "members": selectors.firm_staff(firm=request.firm),
        "invitations": selectors.firm_pending_invitations(firm=request.firm),
        "form": form or staff_invitation_form(),
    }


@requires(Capability.FIRM_MANAGE_TEAM)
def firm_team(request, firm_slug: str):
    return render(request, "accounts/firm_team.html", _team_context(request))


@require_POST
@requires(Capability.FIRM_MANAGE_TEAM)
def firm_invite(request, firm_slug: str):
    form = staff_invitation_form(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(
                firm=request.firm,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return _redirect(request, reverse("firm_team", kwargs={"firm_slug": firm_slug}))
    template = "accounts/partials/invite_form.html" if request.htmx else "accounts/firm_team.html"
    context = _team_context(request, form)
    context["invite_url"] = reverse("firm_invite", kwargs={"firm_slug": firm_slug})
    return render(request, template, context, status=422 if request.htmx else 200)


@require_POST
@requires(Capability.FIRM_MANAGE_TEAM)
def firm_invitation_revoke(request, firm_slug: str, uuid):
    invitation = get_object_or_404(request.firm.invitations.filter(dossier__isnull=True), uuid=uuid)
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
        messages.success(request, _("Invitation withdrawn."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _redirect(request, reverse("firm_team", kwargs={"firm_slug": firm_slug}))


@require_POST
@requires(Capability.FIRM_MANAGE_TEAM)
def firm_member_remove(request, firm_slug: str, uuid):
    membership = get_object_or_404(request.firm.memberships.select_related("user"), uuid=uuid)
    try:
        services.firm_member_remove(membership=membership, actor=request.user)
        messages.success(request, _("%(name)s no longer has access to the firm.") % {"name": membership.user})
    except DomainError as exc:
        messages.error(request, exc.message)
    return _redirect(request, reverse("firm_team", kwargs={"firm_slug": firm_slug}))


# --- Dossier pages ------------------------------------------------------------------------------------------


@requires(Capability.DOSSIER_VIEW)
def dossier_dashboard(request, dossier_code: str):
    dossier = request.dossier
    kyte = kyte_selectors.kyte_state(dossier)
    return render(
        request,
        "accounts/dossier_dashboard.html",
        {
            "members": selectors.dossier_members(dossier=dossier),
            "history": selectors.dossier_history(dossier=dossier, limit=5),
            "kyte": kyte,
            "kyte_prompt": kyte_selectors.should_prompt(user=request.user, dossier=dossier, sub=kyte),
        },
    )


@requires(Capability.DOSSIER_VIEW)
def dossier_mailboxes(request, dossier_code: str):
    return render(request, "accounts/dossier_mailboxes.html")


@requires(Capability.DOSSIER_VIEW, post=Capability.DOSSIER_EDIT)
def dossier_settings(request, dossier_code: str):
    dossier = request.dossier
    can_edit = request.access.has(Capability.DOSSIER_EDIT)
    form = DossierForm(
        request.POST or None, instance=dossier, firm=request.firm, can_assign=request.access.is_firm_staff
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_update(dossier=dossier, actor=request.user, data=form.cleaned_data)
        except DomainError as exc:
            form.add_error("enterprise_number", exc.message)
        else:
            messages.success(request, _("Dossier data saved."))
            return redirect("dossier_settings", dossier_code=dossier_code)
    if request.method == "POST":
        dossier.refresh_from_db()
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    kyte = kyte_selectors.kyte_state(dossier)
    return render(
        request,
        "accounts/dossier_settings.html",
        {
            "form": form,
            "can_edit": can_edit,
            "history": selectors.dossier_history(dossier=dossier),
            "kyte": kyte,
            "kyte_available": kyte.is_available(kyte_selectors.firm_kyte(request.firm)),
        },
    )


def _members_context(request, form=None):
    dossier = request.dossier
    return {
        "members": selectors.dossier_members(dossier=dossier),
        "invitations": selectors.dossier_pending_invitations(dossier=dossier),
        "form": form or dossier_invitation_form(initial={"email": dossier.email}),
        "can_manage": request.access.has(Capability.DOSSIER_MANAGE_MEMBERS),
        "invite_url": reverse("dossier_invite", kwargs={"dossier_code": dossier.code}),
    }


@requires(Capability.DOSSIER_VIEW)
def dossier_members(request, dossier_code: str):
    return render(request, "accounts/dossier_members.html", _members_context(request))


@require_POST
@requires(Capability.DOSSIER_MANAGE_MEMBERS)
def dossier_invite(request, dossier_code: str):
    form = dossier_invitation_form(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(
                firm=request.firm,
                dossier=request.dossier,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return _redirect(request, reverse("dossier_members", kwargs={"dossier_code": dossier_code}))
    template = "accounts/partials/invite_form.html" if request.htmx else "accounts/dossier_members.html"
    return render(request, template, _members_context(request, form), status=422 if request.htmx else 200)


@require_POST
@requires(Capability.DOSSIER_MANAGE_MEMBERS)
def dossier_invitation_revoke(request, dossier_code: str, uuid):
    invitation = get_object_or_404(request.dossier.invitations, uuid=uuid)
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
        messages.success(request, _("Invitation withdrawn."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _redirect(request, reverse("dossier_members", kwargs={"dossier_code": dossier_code}))


@require_POST
@requires(Capability.DOSSIER_MANAGE_MEMBERS)
def dossier_member_remove(request, dossier_code: str, uuid):
    membership = get_object_or_404(request.dossier.memberships.select_related("user"), uuid=uuid)
    services.dossier_member_remove(membership=membership, actor=request.user)
    messages.success(request, _("%(name)s no longer has access to the dossier.") % {"name": membership.user})
    return _redirect(request, reverse("dossier_members", kwargs={"dossier_code": dossier_code}))
