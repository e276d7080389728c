import pytest
from django.core.exceptions import ValidationError

from accounts.identifiers import (
    format_enterprise_number,
    normalize_bic,
    normalize_enterprise_number,
    normalize_iban,
    normalize_vat,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0403.170.701", "0403170701"),  # a published enterprise number
        ("BE 0403 170 701", "0403170701"),
        ("403170701", "0403170701"),  # old 9-digit form
        ("0202.239.951", "0202239951"),
    ],
)
def test_valid_enterprise_numbers_are_normalised(raw, expected):
    assert normalize_enterprise_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0403.170.702", "checksum"),  # one digit off: fails mod 97
        ("0403.170", "length"),
        ("2403.170.701", "format"),  # must start with 0 or 1
        ("04O3170701", "format"),  # letter O
    ],
)
def test_invalid_enterprise_numbers_say_why(raw, code):
    with pytest.raises(ValidationError) as info:
        normalize_enterprise_number(raw)
    assert info.value.code == code


def test_enterprise_number_is_formatted_with_dots():
    assert format_enterprise_number("0403170701") == "0403.170.701"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BE0403170701", "BE0403170701"),
        ("be 0403.170.701", "BE0403170701"),
        ("0403170701", "BE0403170701"),
        ("NL004495445B01", "NL004495445B01"),
        ("FR40303265045", "FR40303265045"),
    ],
)
def test_valid_vat_numbers(raw, expected):
    assert normalize_vat(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"), [("BE0403170702", "checksum"), ("XX123456789", "country"), ("NL12345", "format")]
)
def test_invalid_vat_numbers(raw, code):
    with pytest.raises(ValidationError) as info:
        normalize_vat(raw)
    assert info.value.code == code


@pytest.mark.parametrize("raw", ["BE68 5390 0754 7034", "be68539007547034", "NL91ABNA0417164300"])
def test_valid_ibans(raw):
    assert normalize_iban(raw) == raw.replace(" ", "").upper()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("BE68 5390 0754 7035", "checksum"),
        ("BE41 5390 0754 7035", "checksum"),
        ("BE68 5390 0754 70", "length"),
        ("BE09 5390 0754 70", "length"),
        ("68 5390 0754 7034", "format"),
    ],
)
def test_invalid_ibans(raw, code):
    with pytest.raises(ValidationError) as info:
        normalize_iban(raw)
    assert info.value.code == code


def test_bic():
    assert normalize_bic("gebabebb") == "GEBABEBB"
    with pytest.raises(ValidationError):
        normalize_bic("GEBA")
