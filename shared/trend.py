"""Per-minute counts for the MC screen's trend line."""
from collections.abc import Iterable
from datetime import datetime, timedelta

TREND_MINUTES = 60


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def per_minute(times: Iterable[datetime], now: datetime, minutes: int = TREND_MINUTES) -> list[int]:
    """How many of `times` fall in each of the last `minutes` minutes, oldest first, this minute last."""
    last = minute_of(now)
    first = last - timedelta(minutes=minutes - 1)
    counts = [0] * minutes
    for moment in times:
        index = int((minute_of(moment) - first).total_seconds() // 60)
        if 0 <= index < minutes:
            counts[index] += 1
    return counts
