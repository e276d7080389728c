import json
import sys
from pathlib import Path

from django.core.management import BaseCommand

from peppol.ubl.reader import NotUBL, read


class Command(BaseCommand):
    help = "Print what the UBL reader extracts from each file."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, files, **options):
        reports, failed = [], False
        for name in files:
            try:
                summary = read(Path(name).read_bytes()).summary()
            except OSError as exc:
                self.stderr.write(f"{name}: cannot be read ({exc.strerror})")
                failed = True
                continue
            except NotUBL as exc:
                self.stderr.write(f"{name}: not a UBL invoice or credit note ({exc})")
                failed = True
                continue
            reports.append({"file": name, **summary})
        if options["json"]:
            self.stdout.write(json.dumps(reports, ensure_ascii=False, indent=2))
        else:
            for r in reports:
                self.stdout.write(
                    f"{r['file']}: {r['type']} {r['number']} of {r['issue_date']}, {r['seller']['name']} "
                    f"→ {r['buyer']['name']}, {r['line_count']} lines, payable {r['payable_amount']} "
                    f"{r['currency']}"
                )
        if failed:
            sys.exit(2)
