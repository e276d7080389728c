from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import IdentifierFieldsMixin
from accounts.models import Dossier

# The company data Kyte prints on every invoice, verified before the trial starts.
COMPANY_FIELDS = [
    "legal_name",
    "enterprise_number",
    "vat_number",
    "street",
    "postal_code",
    "city",
    "country",
    "iban",
    "bic",
    "email",
]


class CompanyDataForm(IdentifierFieldsMixin, forms.ModelForm):
    """The company data Kyte puts on every invoice: checked before the trial starts."""

    class Meta:
        model = Dossier
        fields = COMPANY_FIELDS
        labels = {"email": _("Company e-mail")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("vat_number", "street", "postal_code", "city", "iban", "email"):
            self.fields[name].required = True
        self.fields["vat_number"].help_text = _("Printed on every invoice, e.g. BE0403170701")
        self.fields["iban"].help_text = _("Your customers pay to this account")

    def clean(self):
        return self.check_vat_matches(super().clean())


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Contact name"), max_length=150)
    email = forms.EmailField(label=_("Contact e-mail"))
    phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    confirm = forms.BooleanField(label=_("The company data above are correct"), required=True)


class ContactOnlyForm(forms.Form):
    name = forms.CharField(label=_("Contact name"), max_length=150)
    email = forms.EmailField(label=_("Contact e-mail"))
    phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
