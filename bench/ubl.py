"""UBL benchmarks and the large property run (on demand, not in CI):

    KYTE_PEPPOL_ARTEFACTS=../shared/peppol .venv/bin/python bench/ubl.py [--docs 1000] [--property 3000]

1. Property run: `--property N` documents drawn by the strategies of the property test (every VAT case, line
   discounts, document allowances and charges, Belgian, EU and Norwegian buyers, full and partial credit notes)
   are issued through the services and validated; prints how many and the fatal issues found (expected: 0).
2. Per document, over `--docs` issued documents with their real PDF embedded: generation, XSD and Schematron
   times (median, p95); throughput of generate + validate for all of them.
3. Floor: the two compiled Saxon executables alone on the same documents (already parsed into Saxon), against our
   whole `validate()` (safe parse, XSD, serialise, Schematron, SVRL reading): the ratio is our overhead.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import configure, seller, test_database  # noqa: E402

configure()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1_000)
    parser.add_argument("--property", type=int, default=3_000)
    args = parser.parse_args()

    with test_database():
        run(args)


def _ms(values: list[float]) -> str:
    values = sorted(values)
    return f"median {statistics.median(values):.2f} ms, p95 {values[int(len(values) * 0.95)]:.2f} ms"


def run(args) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from lxml import etree

    from invoicing import services
    from invoicing.pdf import render_pdf
    from peppol.ubl.generate import build
    from peppol.validation import _svrl_issues, artefacts, validate
    from peppol.xml import parse_untrusted
    from tests.peppol.strategies import issuable, issue, specs

    services._render_later = lambda pk: None  # the PDF is rendered once below, not per document
    _firm, seller_dossier, user = seller()

    documents = []
    refused: list[str] = []
    wanted = max(args.property, args.docs)

    @settings(
        max_examples=wanted,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(spec=specs())
    def draw(spec):
        if not issuable(spec):
            return
        try:
            documents.extend(issue(spec, seller=seller_dossier, actor=user))
        except services.IssueRefused as exc:
            refused.append(str(exc.problems))

    t0 = time.perf_counter()
    draw()
    artefacts().executables()  # compiled once per process, outside the per-document figures
    pdf = render_pdf(documents[0])
    fatal = 0
    for document in documents[: args.property] if args.property else []:
        fatal += len(validate(build(document, pdf=pdf)).fatal)
    print(
        f"property: {len(documents)} documents issued ({sum(d.kind == 'credit_note' for d in documents)} "
        f"credit notes) from {wanted} drawn specs in {time.perf_counter() - t0:.0f} s; "
        f"refused by the Peppol pre-check: {len(refused)}; fatal issues in the first "
        f"{min(len(documents), args.property)}: {fatal}"
    )
    for problem in refused[:5]:
        print("  refused:", problem)

    sample = documents[: args.docs]
    store = artefacts()
    processor, executables = store.executables()
    generation, xsd, schematron, whole, floor = [], [], [], [], []
    t_all = time.perf_counter()
    for document in sample:
        t0 = time.perf_counter()
        data = build(document, pdf=pdf)
        t1 = time.perf_counter()
        root = parse_untrusted(data)
        schema = store.schema(etree.QName(root).namespace)
        assert schema.validate(root)
        t2 = time.perf_counter()
        node = processor.parse_xml(xml_text=etree.tostring(root, encoding="unicode"))
        outputs = [e.transform_to_string(xdm_node=node) for e in executables]
        assert not [i for o in outputs for i in _svrl_issues(o) if i.flag == "fatal"]
        t3 = time.perf_counter()
        generation.append((t1 - t0) * 1000)
        xsd.append((t2 - t1) * 1000)
        schematron.append((t3 - t2) * 1000)
    elapsed = time.perf_counter() - t_all
    size = statistics.median(len(build(d, pdf=pdf)) for d in sample[:50])
    print(f"documents: {len(sample)}, median size {size / 1024:.0f} KiB with a {len(pdf) / 1024:.0f} KiB PDF")
    print(f"generation: {_ms(generation)}")
    print(f"xsd:        {_ms(xsd)}")
    print(f"schematron: {_ms(schematron)}")
    print(
        f"throughput: {len(sample)} documents generated and validated in {elapsed:.1f} s, "
        f"{len(sample) / elapsed:.0f} per second (one process)"
    )

    payloads = [build(d, pdf=pdf) for d in sample]
    nodes = [processor.parse_xml(xml_text=p.decode()) for p in payloads]
    for payload, node in zip(payloads, nodes, strict=True):
        t0 = time.perf_counter()
        validate(payload)
        t1 = time.perf_counter()
        for executable in executables:
            executable.transform_to_string(xdm_node=node)
        t2 = time.perf_counter()
        whole.append((t1 - t0) * 1000)
        floor.append((t2 - t1) * 1000)
    w, f = statistics.median(whole), statistics.median(floor)
    print(f"validate(): {_ms(whole)}; Saxon executables alone: {_ms(floor)}; ratio {w / f:.2f}x")


if __name__ == "__main__":
    main()
