"""Tenant resolution, in one place.

URLs carry the tenant: `/f/<firm_slug>/...` for firm pages, `/d/<dossier_code>/...` for dossier pages.
`TenantMiddleware.process_view` resolves it before any view runs and sets `request.firm`, `request.dossier`,
`request.role` and `request.capabilities`. Each tenant view declares the capability it needs with `@requires`:
anonymous → login, outsider → 404, member without the capability → 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404

from accounts.models import Dossier, DossierMembership, Firm, FirmMembership
from accounts.roles import DossierRole, FirmRole


@dataclass(frozen=True)
class Access:
    firm: Firm
    dossier: Dossier | None
    role: FirmRole | DossierRole
    is_firm_staff: bool

    @property
    def capabilities(self) -> frozenset[str]:
        return self.role.capabilities

    def has(self, capability: str) -> bool:
        return capability in self.capabilities


def requires(capability: str, *, post: str | None = None) -> Callable:
    """Declare the capability a tenant view needs (and, optionally, a stronger one for POST)."""

    def decorator(view):
        view.kyte_capability = str(capability)
        view.kyte_post_capability = str(post) if post else None
        return view

    return decorator


def firm_access(user, slug: str) -> Access:
    membership = (
        FirmMembership.objects.select_related("firm").filter(user=user, firm__slug=slug).first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404
    return Access(firm=membership.firm, dossier=None, role=FirmRole(membership.role), is_firm_staff=True)


def dossier_access(user, code: str) -> Access:
    dossier = Dossier.objects.select_related("firm").filter(code=code).first()
    if dossier is None or not user.is_authenticated:
        raise Http404
    staff = FirmMembership.objects.filter(user=user, firm_id=dossier.firm_id).first()
    if staff is not None:
        return Access(firm=dossier.firm, dossier=dossier, role=FirmRole(staff.role), is_firm_staff=True)
    member = DossierMembership.objects.filter(user=user, dossier=dossier).first()
    if member is None:
        raise Http404
    return Access(firm=dossier.firm, dossier=dossier, role=DossierRole(member.role), is_firm_staff=False)


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.firm = None
        request.dossier = None
        request.access = None
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if "firm_slug" in view_kwargs:
            resolver = firm_access
            key = view_kwargs["firm_slug"]
        elif "dossier_code" in view_kwargs:
            resolver = dossier_access
            key = view_kwargs["dossier_code"]
        else:
            return None
        capability = getattr(view_func, "kyte_capability", None)
        if capability is None:
            raise ImproperlyConfigured(
                f"Tenant view {view_func.__module__}.{view_func.__name__} declares no @requires."
            )
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        access = resolver(request.user, key)
        request.access = access
        request.firm = access.firm
        request.dossier = access.dossier
        if not access.has(capability):
            raise PermissionDenied
        post_capability = getattr(view_func, "kyte_post_capability", None)
        if request.method == "POST" and post_capability and not access.has(post_capability):
            raise PermissionDenied
        return None
