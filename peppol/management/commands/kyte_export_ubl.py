from pathlib import Path

from django.core.management import BaseCommand, CommandError

from accounts.models import Dossier
from invoicing.models import Invoice


class Command(BaseCommand):
    help = "Write the stored UBL of every issued invoice and credit note as DIR/<dossier code>/<number>.xml."

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--dossier", help="code of the dossier")
        target.add_argument("--all", action="store_true", help="every dossier")
        parser.add_argument("--out", required=True, help="output directory")

    def handle(self, *args, dossier=None, all=False, out, **options):  # noqa: A002 - the option's name
        qs = Invoice.objects.exclude(ubl="").exclude(status="draft").select_related("dossier")
        if dossier:
            if not Dossier.objects.filter(code=dossier).exists():
                raise CommandError(f"no dossier with code {dossier!r}")
            qs = qs.filter(dossier__code=dossier)
        count = 0
        for invoice in qs.order_by("dossier__code", "kind", "series_year", "sequence").iterator():
            folder = Path(out) / invoice.dossier.code
            folder.mkdir(parents=True, exist_ok=True)
            safe = invoice.number.replace("/", "_")
            with invoice.ubl.open("rb") as handle:
                (folder / f"{safe}.xml").write_bytes(handle.read())
            count += 1
        self.stdout.write(f"{count} documents written to {out}")
