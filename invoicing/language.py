"""The legal language of an invoice (language-use laws): from the seller's operating-seat postcode."""

from __future__ import annotations


def legal_languages(postal_code: str, country: str = "BE") -> set[str]:
    """Dutch-language region → {"nl"}; French-language region → {"fr"}; German-language area → {"de"};
    Brussels-Capital → {"fr", "nl"}; outside Belgium or unknown → empty (no constraint)."""
    if country.upper() != "BE" or not postal_code.strip().isdigit():
        return set()
    code = int(postal_code.strip())
    if 1000 <= code <= 1299:
        return {"fr", "nl"}
    if 1300 <= code <= 1499:
        return {"fr"}
    if 1500 <= code <= 3999 or 8000 <= code <= 9999:
        return {"nl"}
    if 4700 <= code <= 4791:  # Eupen and St. Vith cantons
        return {"de"}
    if 4000 <= code <= 7999:
        return {"fr"}
    return set()
