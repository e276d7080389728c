"""Gapless, unique numbers per dossier and series, under concurrency.

The series row is locked with SELECT … FOR UPDATE inside the issuing transaction: a concurrent issue waits, a rolled
back issue gives its number back (the counter update rolls back with it). The unique constraint on
(dossier, kind, series_year, sequence) is the second guard. Keep the transaction short: render files afterwards.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from accounts.models import Dossier
from invoicing.models import DocumentKind, NumberingSettings, NumberSeries
from kyte.errors import DomainError


def numbering_for(dossier: Dossier) -> NumberingSettings:
    return NumberingSettings.objects.get_or_create(dossier=dossier)[0]


def take_number(*, dossier: Dossier, kind: str, issue_date: date) -> tuple[int, int, str]:
    """Must run inside the issuing transaction. Returns (series year, sequence, formatted number)."""
    config = numbering_for(dossier)
    year = issue_date.year if config.yearly_reset else 0
    prefix = config.invoice_prefix if kind == DocumentKind.INVOICE else config.credit_note_prefix
    series, _created = NumberSeries.objects.get_or_create(
        dossier=dossier, kind=kind, year=year, defaults={"prefix": prefix}
    )
    series = NumberSeries.objects.select_for_update().get(pk=series.pk)
    if series.last_issue_date and issue_date < series.last_issue_date:
        raise DomainError(
            _("The issue date cannot be before %(date)s, the date of the last document of this series.")
            % {"date": series.last_issue_date.strftime("%d/%m/%Y")},
            "date_order",
        )
    series.last_number += 1
    series.last_issue_date = issue_date
    series.save(update_fields=["last_number", "last_issue_date"])
    sequence = series.last_number
    number = f"{series.prefix}{year}-{sequence:05d}" if year else f"{series.prefix}{sequence:06d}"
    return year, sequence, number
