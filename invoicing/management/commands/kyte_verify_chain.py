import sys

from django.core.management import BaseCommand, CommandError

from accounts.models import Dossier
from invoicing.services import verify_chain


class Command(BaseCommand):
    help = "Walk the hash chains of issued documents and name the first altered document of each series."

    def add_arguments(self, parser):
        parser.add_argument("--dossier", help="code of one dossier (default: all)")

    def handle(self, *args, dossier=None, **options):
        target = None
        if dossier:
            target = Dossier.objects.filter(code=dossier).first()
            if target is None:
                raise CommandError(f"no dossier with code {dossier!r}")
        breaks = verify_chain(dossier=target)
        for item in breaks:
            self.stdout.write(f"ALTERED {item.invoice.dossier.code} {item.invoice.number}: {item.reason}")
        if breaks:
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("All chains verified."))
