"""Close ended months for the Surveillance tab (the beat job does it hourly).

manage.py kyte_close_month                         # every ended month not closed yet, every firm
manage.py kyte_close_month --month 2026-11 [--firm SLUG]   # (re)close one month: a correction becomes an adjustment
"""

from __future__ import annotations

from datetime import date

from django.core.management import BaseCommand, CommandError

from accounts.models import Firm
from monitoring import services


class Command(BaseCommand):
    help = "Close ended months: freeze the Surveillance numbers and billable dossiers of each firm."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM: close (or re-check) this month only")
        parser.add_argument("--firm", help="firm slug (with --month; default: every firm with Kyte history)")

    def handle(self, *args, month=None, firm=None, **options):
        if not month:
            if firm:
                raise CommandError("--firm needs --month")
            closed = services.close_ended_months(recheck=0)
            self.stdout.write(f"{closed} month(s) closed")
            return
        try:
            year, number = (int(part) for part in month.split("-"))
            value = date(year, number, 1)
        except ValueError:
            raise CommandError(f"--month {month!r}: expected YYYY-MM") from None
        firms = (
            Firm.objects.filter(slug=firm)
            if firm
            else Firm.objects.filter(dossiers__kyte_changes__isnull=False)
        )
        firms = list(firms.distinct())
        if firm and not firms:
            raise CommandError(f"no firm {firm!r}")
        for item in firms:
            try:
                close = services.close_month(firm=item, month=value)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            adjustments = list(close.adjustments.all())
            activated = close.activated + sum(a.delta_activated for a in adjustments)
            billable = close.billable + sum(a.delta_billable for a in adjustments)
            self.stdout.write(
                f"{item.slug} {value:%Y-%m}: {activated} activated, {billable} billable"
                + (f", {len(adjustments)} adjustment(s)" if adjustments else "")
            )
