"""The Kyte gate: authoring and sending need Kyte active; otherwise a page explains how to activate it."""

from functools import wraps

from django.shortcuts import render

from billing.selectors import firm_kyte, kyte_state


def kyte_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        sub = kyte_state(request.dossier)
        if not sub.is_active:
            available = sub.is_available(firm_kyte(request.firm))
            return render(
                request,
                "billing/not_active.html",
                {"sub": sub, "available": available},
                status=200 if available else 403,
            )
        request.kyte = sub
        return view(request, *args, **kwargs)

    return wrapper
