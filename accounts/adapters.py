from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        # An invitee who signs up or logs in from an invitation lands back on it, to accept it.
        pending = request.session.pop("kyte_invitation_next", None)
        if pending:
            return pending
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        pending = request.session.pop("kyte_invitation_next", None)
        return pending or reverse("home")

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        language = getattr(request, "LANGUAGE_CODE", None)
        if language:
            user.language = language
        if commit:
            user.save()
        return user
