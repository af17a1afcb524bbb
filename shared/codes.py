"""Short codes people read aloud and type: no look-alike characters, any case or spacing."""
import re
import secrets

# No look-alikes: 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, U/V are left out.
CODE_ALPHABET = "34679ACEFGHJKMNPRTWXY"
CODE_LENGTH = 7
_SEPARATORS = re.compile(r"[\s\-]")


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(value: str) -> str:
    """A code as typed (any case, spaces or dashes) in its stored form."""
    return _SEPARATORS.sub("", value).upper()


def looks_like_code(value: str, length: int = CODE_LENGTH) -> bool:
    """Whether normalised text could be a code at all (cheap check before any lookup)."""
    return len(value) == length and all(ch in CODE_ALPHABET for ch in value)
