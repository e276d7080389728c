"""Plain FR/NL/EN explanations of the official rules users meet most, with the field to fix.
Anything not listed falls back to the official rule text."""

from django.utils.translation import gettext_lazy as _

from peppol.validation import Issue

HUMAN = {
    "PEPPOL-EN16931-R003": ("buyer_reference", _("Enter the customer's reference or purchase order number.")),
    "PEPPOL-EN16931-R010": (
        "customer",
        _("The customer needs a Peppol address: a Peppol identifier or an EU VAT number."),
    ),
    "PEPPOL-EN16931-R020": ("seller", _("Your company needs an electronic address (its enterprise number).")),
    "PEPPOL-COMMON-R043": (
        "customer",
        _(
            "The Belgian enterprise number used as Peppol identifier fails its check "
            "digits: correct it on the customer."
        ),
    ),
    "BR-CO-09": ("customer", _("A VAT number must start with the country code (e.g. BE0403170701).")),
    "BR-CO-16": ("lines", _("The amount to pay does not add up: save the draft again.")),
    "BR-AE-02": ("customer", _("Reverse charge needs both your VAT number and the customer's.")),
    "BR-IC-02": ("customer", _("An intra-Community supply needs both your VAT number and the customer's.")),
    "BR-IC-12": ("delivery_date", _("An intra-Community supply needs the country of delivery.")),
    "BR-S-02": ("seller", _("Standard-rated invoices need your VAT number.")),
    "BR-E-10": ("lines", _("An exempt supply needs its exemption reason.")),
    "BR-O-11": ("lines", _("Supplies outside the scope of VAT go on their own invoice.")),
    "BR-16": ("lines", _("Add at least one line.")),
}


def explain(issue: Issue) -> tuple[str, str]:
    """(field, message) for the issue form: a plain message for known rules, else the official text."""
    field, message = HUMAN.get(issue.rule, ("lines", None))
    return field, str(message) if message else f"{issue.rule}: {issue.message}"
