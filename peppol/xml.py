"""Safe parsing of XML from outside: size cap first, no DTD, no entities, no network, no XInclude."""

from __future__ import annotations

from lxml import etree

MAX_XML_BYTES = 10 * 1024 * 1024  # a Peppol document with an embedded PDF stays well below this
MAX_DEPTH = 200


class UnsafeXML(ValueError):
    """The document is refused before or while parsing; the message says why."""


def parse_untrusted(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    if len(data) > max_bytes:
        raise UnsafeXML(f"document larger than {max_bytes // (1024 * 1024)} MB")
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise UnsafeXML("DOCTYPE or entity declarations are not allowed (UBL never needs them)")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_pis=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXML(f"not well-formed XML: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXML("DOCTYPE declarations are not allowed")
    depth, stack = 0, [(root, 1)]
    while stack:
        element, level = stack.pop()
        depth = max(depth, level)
        if depth > MAX_DEPTH:
            raise UnsafeXML(f"nesting deeper than {MAX_DEPTH} levels")
        stack.extend((child, level + 1) for child in element)
    return root
