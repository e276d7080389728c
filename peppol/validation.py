"""Validation against the official Peppol BIS Billing 3.0 artefacts: UBL 2.1 XSD, then the CEN EN 16931 and
PEPPOL BIS 3 Schematron (as XSLT 2, run with Saxon-HE from saxonche). Compiled once per process and reused."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from lxml import etree

from peppol.xml import UnsafeXML, parse_untrusted

UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
SVRL = "http://purl.oclc.org/dsdl/svrl"


@dataclass(frozen=True)
class Issue:
    rule: str  # Schematron rule id, or "XSD" / "XML"
    flag: str  # "fatal" or "warning"
    message: str
    location: str = ""


@dataclass
class Result:
    issues: list[Issue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(issue.flag == "fatal" for issue in self.issues)

    @property
    def fatal(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.flag == "fatal"]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.flag != "fatal"]

    def as_list(self) -> list[dict]:
        return [asdict(issue) for issue in self.issues]


class Artefacts:
    """The compiled XSDs and stylesheets of one artefacts directory (thread-safe lazy initialisation)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.Lock()
        self._schemas: dict[str, etree.XMLSchema] = {}
        self._executables = None
        self._processor = None

    def schema(self, namespace: str) -> etree.XMLSchema:
        name = "UBL-Invoice-2.1.xsd" if namespace == UBL_INVOICE else "UBL-CreditNote-2.1.xsd"
        with self._lock:
            if namespace not in self._schemas:
                path = self.root / "xsd" / "maindoc" / name
                self._schemas[namespace] = etree.XMLSchema(etree.parse(str(path)))
            return self._schemas[namespace]

    def executables(self):
        with self._lock:
            if self._executables is None:
                from saxonche import PySaxonProcessor

                self._processor = PySaxonProcessor(license=False)
                compiler = self._processor.new_xslt30_processor()
                self._executables = [
                    compiler.compile_stylesheet(stylesheet_file=str(self.root / "xslt" / name))
                    for name in ("CEN-EN16931-UBL.xslt", "PEPPOL-EN16931-UBL.xslt")
                ]
            return self._processor, self._executables


_saxon_lock = threading.Lock()
_artefacts: dict[str, Artefacts] = {}
_artefacts_lock = threading.Lock()


def artefacts() -> Artefacts:
    root = str(settings.KYTE_PEPPOL_ARTEFACTS)
    with _artefacts_lock:
        if root not in _artefacts:
            if not (Path(root) / "xslt" / "PEPPOL-EN16931-UBL.xslt").exists():
                raise FileNotFoundError(
                    f"KYTE_PEPPOL_ARTEFACTS={root} does not hold the Peppol artefacts "
                    "(run: manage.py kyte_peppol_artefacts --from ../shared/peppol)"
                )
            _artefacts[root] = Artefacts(Path(root))
        return _artefacts[root]


def _svrl_issues(svrl: str) -> list[Issue]:
    root = etree.fromstring(svrl.encode())
    issues = []
    for node in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = node.findtext(f"{{{SVRL}}}text") or ""
        issues.append(
            Issue(
                rule=node.get("id", ""),
                flag=node.get("flag", "fatal"),
                message=" ".join(text.split()),
                location=node.get("location", ""),
            )
        )
    return issues


def validate(data: bytes) -> Result:
    """XSD first; the Schematron runs on XSD-valid documents only (as access points do)."""
    result = Result()
    try:
        root = parse_untrusted(data)
    except UnsafeXML as exc:
        result.issues.append(Issue("XML", "fatal", str(exc)))
        return result
    namespace = etree.QName(root).namespace
    if namespace not in (UBL_INVOICE, UBL_CREDIT_NOTE) or etree.QName(root).localname not in (
        "Invoice",
        "CreditNote",
    ):
        result.issues.append(Issue("XML", "fatal", "the root is neither a UBL 2.1 Invoice nor a CreditNote"))
        return result
    store = artefacts()
    schema = store.schema(namespace)
    if not schema.validate(root):
        for error in schema.error_log:
            result.issues.append(Issue("XSD", "fatal", error.message, f"line {error.line}"))
        return result
    processor, executables = store.executables()
    with _saxon_lock:  # one Saxon call at a time per process: saxonche is not documented as thread-safe
        node = processor.parse_xml(xml_text=etree.tostring(root, encoding="unicode"))
        outputs = [executable.transform_to_string(xdm_node=node) for executable in executables]
    for output in outputs:
        result.issues.extend(_svrl_issues(output))
    return result
