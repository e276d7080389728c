from django.conf import settings

from accounts import selectors


def navigation(request):
    """Header data: the user's firm and dossiers (switcher), the current tenant and the languages."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"kyte_languages": settings.LANGUAGES}
    cache = getattr(request, "_kyte_nav", None)
    if cache is None:
        membership = selectors.user_firm_membership(user=user)
        cache = {
            "nav_firm_membership": membership,
            "nav_dossiers": list(selectors.user_dossiers(user=user)[:50]) if membership is None else [],
            "kyte_languages": settings.LANGUAGES,
            "access": getattr(request, "access", None),
        }
        request._kyte_nav = cache
    return cache
