"""Compile the .po catalogues: with GNU gettext when present, else in pure Python (polib), so that
`make run` works on a machine with nothing but Python."""

import shutil
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import BaseCommand, call_command


class Command(BaseCommand):
    help = "Compile translations (msgfmt if installed, else polib)."

    def handle(self, *args, **options):
        if shutil.which("msgfmt"):
            call_command("compilemessages", verbosity=0, ignore=[".venv/*"])
            return
        count = 0
        for base in settings.LOCALE_PATHS:
            for po_path in Path(base).glob("*/LC_MESSAGES/*.po"):
                polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
        self.stdout.write(f"Compiled {count} catalogues with polib.")
