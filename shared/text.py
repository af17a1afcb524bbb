"""Text as people type it, made comparable."""
import unicodedata
from typing import Any


def clean_text(value: Any) -> str:
    """Trimmed NFC text with inner runs of white space folded, so equal names compare equal.

    None is empty; anything that is not text raises TypeError.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError("not text")
    return " ".join(unicodedata.normalize("NFC", value).split())
