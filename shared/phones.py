"""Vietnamese phone numbers as people type them, in one stored form."""
import re

_SEPARATORS = re.compile(r"[\s.\-()]")
_LOCAL = re.compile(r"0\d{9,10}")


def normalise_phone(value: str) -> str:
    """A Vietnamese number in its local form (0xxxxxxxxx); raises ValueError when it is not one."""
    digits = _SEPARATORS.sub("", value)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not _LOCAL.fullmatch(digits):
        raise ValueError("invalid phone")
    return digits
