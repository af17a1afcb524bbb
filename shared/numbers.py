"""Checks on numbers that arrive as JSON."""


def is_whole_number(value: object, low: int, high: int) -> bool:
    """An int (not a bool, which Python counts as one) within [low, high]."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
