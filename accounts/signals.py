"""Wiring of allauth events; no domain logic here."""

from allauth.account.signals import user_logged_in
from django.conf import settings
from django.dispatch import receiver
from django.utils import translation


@receiver(user_logged_in)
def activate_user_language(sender, request, user, **kwargs):
    """After login, the interface speaks the user's saved language (the cookie is set on the response)."""
    if user.language in dict(settings.LANGUAGES):
        translation.activate(user.language)
        request.kyte_set_language = user.language
