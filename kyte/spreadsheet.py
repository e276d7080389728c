"""CSV cells that a spreadsheet will not run: text starting with = + - @ (or a tab/CR) is prefixed with '."""

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def row(values) -> list:
    return [cell(value) for value in values]
