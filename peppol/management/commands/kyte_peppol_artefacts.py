"""Install the official Peppol validation artefacts into KYTE_PEPPOL_ARTEFACTS.

manage.py kyte_peppol_artefacts                 # the pinned release: KYTE_PEPPOL_ARTEFACTS_URL + _SHA256
manage.py kyte_peppol_artefacts --from DIR      # copy from a local directory (../shared/peppol here)
manage.py kyte_peppol_artefacts --if-missing …  # only when not installed yet (what make run / make test do)
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management import BaseCommand, CommandError

REQUIRED = [
    "xsd/maindoc/UBL-Invoice-2.1.xsd",
    "xsd/maindoc/UBL-CreditNote-2.1.xsd",
    "xslt/CEN-EN16931-UBL.xslt",
    "xslt/PEPPOL-EN16931-UBL.xslt",
]
MAX_ZIP_BYTES = 200 * 1024 * 1024


def check_tree(root: Path) -> None:
    missing = [name for name in REQUIRED if not (root / name).is_file()]
    if missing:
        raise CommandError(f"{root} lacks {', '.join(missing)}")


class Command(BaseCommand):
    help = "Install the official Peppol BIS 3 validation artefacts (pinned release, SHA-256 checked)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="source", help="copy from this local directory instead of downloading"
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="do nothing when KYTE_PEPPOL_ARTEFACTS already holds the artefacts (make run / make test)",
        )
        parser.add_argument("--url", help="release zip (default: KYTE_PEPPOL_ARTEFACTS_URL)")
        parser.add_argument(
            "--sha256", help="expected SHA-256 of the zip (default: KYTE_PEPPOL_ARTEFACTS_SHA256)"
        )

    def handle(self, *args, source=None, url=None, sha256=None, if_missing=False, **options):
        target = Path(settings.KYTE_PEPPOL_ARTEFACTS)
        if if_missing and all((target / name).is_file() for name in REQUIRED):
            self.stdout.write(f"Peppol artefacts already in {target}")
            return
        staging = Path(tempfile.mkdtemp(prefix="kyte-artefacts-"))
        try:
            if source:
                origin = Path(source).resolve()
                check_tree(origin)
                for folder in ("xsd", "xslt", "examples"):
                    if (origin / folder).is_dir():
                        shutil.copytree(origin / folder, staging / folder)
            else:
                self._download(
                    url or settings.KYTE_PEPPOL_ARTEFACTS_URL,
                    (sha256 or settings.KYTE_PEPPOL_ARTEFACTS_SHA256).lower(),
                    staging,
                )
            check_tree(staging)
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging), str(target))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self.stdout.write(self.style.SUCCESS(f"Peppol artefacts installed in {target}"))

    def _download(self, url: str, expected: str, staging: Path) -> None:
        if not url or not expected:
            raise CommandError(
                "set KYTE_PEPPOL_ARTEFACTS_URL and KYTE_PEPPOL_ARTEFACTS_SHA256, or use --from DIR"
            )
        try:
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - URL from settings
                data = response.read(MAX_ZIP_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"cannot download {url}: {exc}") from None
        if len(data) > MAX_ZIP_BYTES:
            raise CommandError("the release is larger than 200 MB")
        digest = hashlib.sha256(data).hexdigest()
        if digest != expected:
            raise CommandError(f"SHA-256 mismatch: got {digest}, expected {expected}; nothing was installed")
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise CommandError("the release is not a zip file") from None
        for member in archive.infolist():
            path = PurePosixPath(member.filename)
            if path.is_absolute() or ".." in path.parts:
                raise CommandError(f"unsafe path in the release: {member.filename}")
        archive.extractall(staging)  # noqa: S202 - member paths checked above
        # A release may wrap everything in one top folder.
        entries = list(staging.iterdir())
        if len(entries) == 1 and entries[0].is_dir() and not (staging / "xslt").exists():
            inner = entries[0]
            for child in inner.iterdir():
                shutil.move(str(child), str(staging / child.name))
            inner.rmdir()
