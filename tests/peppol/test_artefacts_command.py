"""kyte_peppol_artefacts: a pinned zip served by a local HTTP server, SHA-256 checked; or a local copy."""

import hashlib
import http.server
import io
import threading
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.peppol.conftest import SHARED


def _zip(top="peppol-artefacts-2026.5/", evil=False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for folder in ("xsd", "xslt"):
            for path in (SHARED / folder).rglob("*"):
                if path.is_file():
                    archive.write(path, top + str(path.relative_to(SHARED)))
        if evil:
            archive.writestr("../escape.txt", "x")
    return buffer.getvalue()


@pytest.fixture
def serve():
    payloads = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's API
            body = payloads.get(self.path)
            self.send_response(200 if body else 404)
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def add(path, body):
        payloads[path] = body
        return f"http://127.0.0.1:{server.server_port}{path}"

    yield add
    server.shutdown()


def test_download_checks_the_sha256_then_installs(serve, settings, tmp_path):
    data = _zip()
    url = serve("/release.zip", data)
    settings.KYTE_PEPPOL_ARTEFACTS = tmp_path / "artefacts"
    call_command("kyte_peppol_artefacts", "--url", url, "--sha256", hashlib.sha256(data).hexdigest())
    assert (tmp_path / "artefacts" / "xslt" / "PEPPOL-EN16931-UBL.xslt").is_file()
    from peppol.validation import artefacts, validate

    assert artefacts().root == Path(settings.KYTE_PEPPOL_ARTEFACTS)
    assert validate((SHARED / "examples" / "base-example.xml").read_bytes()).valid


def test_a_wrong_sha256_installs_nothing(serve, settings, tmp_path):
    url = serve("/release.zip", _zip())
    settings.KYTE_PEPPOL_ARTEFACTS = tmp_path / "artefacts"
    with pytest.raises(CommandError, match="SHA-256 mismatch"):
        call_command("kyte_peppol_artefacts", "--url", url, "--sha256", "0" * 64)
    assert not (tmp_path / "artefacts").exists()


def test_unsafe_zip_paths_are_refused(serve, settings, tmp_path):
    data = _zip(evil=True)
    url = serve("/evil.zip", data)
    settings.KYTE_PEPPOL_ARTEFACTS = tmp_path / "artefacts"
    with pytest.raises(CommandError, match="unsafe path"):
        call_command("kyte_peppol_artefacts", "--url", url, "--sha256", hashlib.sha256(data).hexdigest())
    assert not (tmp_path / "escape.txt").exists()


def test_copy_from_a_local_directory(settings, tmp_path):
    settings.KYTE_PEPPOL_ARTEFACTS = tmp_path / "copy"
    call_command("kyte_peppol_artefacts", "--from", str(SHARED))
    assert (tmp_path / "copy" / "xsd" / "maindoc" / "UBL-Invoice-2.1.xsd").is_file()
    with pytest.raises(CommandError, match="lacks"):
        call_command("kyte_peppol_artefacts", "--from", str(tmp_path / "nowhere"))


def test_if_missing_leaves_an_installed_tree_alone(settings, tmp_path):
    settings.KYTE_PEPPOL_ARTEFACTS = tmp_path / "copy"
    call_command("kyte_peppol_artefacts", "--if-missing", "--from", str(SHARED))
    marker = tmp_path / "copy" / "xslt" / "marker"
    marker.write_text("kept")
    out = io.StringIO()
    call_command("kyte_peppol_artefacts", "--if-missing", "--from", str(SHARED), stdout=out)
    assert marker.read_text() == "kept" and "already" in out.getvalue()
    call_command("kyte_peppol_artefacts", "--from", str(SHARED), stdout=out)
    assert not marker.exists()  # without --if-missing the tree is replaced
