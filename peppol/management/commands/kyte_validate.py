import json as jsonlib
import sys
from pathlib import Path

from django.core.management import BaseCommand

from peppol.validation import validate


class Command(BaseCommand):
    help = "Validate UBL files against the official Peppol BIS Billing 3.0 artefacts."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, files, json: bool, **options):
        reports, unreadable = [], False
        for name in files:
            try:
                data = Path(name).read_bytes()
            except OSError as exc:
                self.stderr.write(f"{name}: cannot be read ({exc.strerror})")
                unreadable = True
                continue
            result = validate(data)
            reports.append({"file": name, "valid": result.valid, "issues": result.as_list()})
        if json:
            self.stdout.write(jsonlib.dumps(reports, ensure_ascii=False, indent=2))
        else:
            for report in reports:
                self.stdout.write(f"{report['file']}: {'valid' if report['valid'] else 'invalid'}")
                for issue in report["issues"]:
                    self.stdout.write(
                        f"  [{issue['flag']}] {issue['rule']}: {issue['message']} {issue['location']}"
                    )
        if unreadable:
            sys.exit(2)
        if any(not report["valid"] for report in reports):
            sys.exit(1)
