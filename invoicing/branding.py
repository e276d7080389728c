"""Logo uploads: size-capped, re-encoded (PNG/JPEG, metadata dropped) or sanitised (SVG), never trusted as sent."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree

MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_PIXELS = 2000
SVG_NS = "http://www.w3.org/2000/svg"
FORBIDDEN_SVG = {"script", "foreignObject", "iframe", "object", "embed", "use", "image", "animate", "set"}


def clean_logo(upload) -> tuple[bytes, str]:
    """Return (bytes, content type) of a safe logo, or raise ValidationError saying why."""
    if upload.size > MAX_LOGO_BYTES:
        raise ValidationError(_("The logo is larger than 512 KB."))
    data = upload.read()
    if data.lstrip()[:5] in (b"<?xml", b"<svg ") or upload.name.lower().endswith(".svg"):
        return _clean_svg(data), "image/svg+xml"
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.verify()
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError(_("The logo must be a PNG, JPEG or SVG image.")) from None
    if image.format not in {"PNG", "JPEG"}:
        raise ValidationError(_("The logo must be a PNG, JPEG or SVG image."))
    if max(image.size) > MAX_LOGO_PIXELS:
        image.thumbnail((MAX_LOGO_PIXELS, MAX_LOGO_PIXELS))
    out = io.BytesIO()
    if image.format == "JPEG":
        image.convert("RGB").save(
            out, format="JPEG", quality=90
        )  # re-encoded: EXIF and other metadata dropped
        return out.getvalue(), "image/jpeg"
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), "image/png"


def _clean_svg(data: bytes) -> bytes:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ValidationError(_("This SVG contains a DOCTYPE or entities, which are not allowed."))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise ValidationError(_("This SVG file is not valid XML.")) from None
    if etree.QName(root).localname != "svg":
        raise ValidationError(_("The logo must be a PNG, JPEG or SVG image."))
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if etree.QName(element).localname in FORBIDDEN_SVG:
            element.getparent().remove(element)
            continue
        for name in list(element.attrib):
            local = etree.QName(name).localname.lower()
            value = element.attrib[name].strip().lower()
            if (
                local.startswith("on")
                or (local == "href" and not value.startswith("#"))
                or "javascript:" in value
            ):
                del element.attrib[name]
    return etree.tostring(root)
