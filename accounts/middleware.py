from django.conf import settings

from accounts.tenancy import TenantMiddleware

__all__ = ["TenantMiddleware", "LanguageCookieMiddleware", "set_language_cookie"]


def set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )


class LanguageCookieMiddleware:
    """Stores the language chosen at login (see accounts.signals) in the language cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        language = getattr(request, "kyte_set_language", None)
        if language:
            set_language_cookie(response, language)
        return response
