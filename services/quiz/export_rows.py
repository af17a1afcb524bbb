"""Rows of the organisers' contest files, shaped from what the ranking holds. No I/O."""
from collections.abc import Mapping
from typing import Any

from services.quiz.logic import RankKey, broken_by

ATTENDEE, PERSON = "a", "p"  # a participant key's kinds: a registered attendee's code, or a phone


def ranking_row(rank: int, key: RankKey, entry: Mapping[str, Any], above: RankKey | None) -> dict[str, Any]:
    """One participant's line: their best entry's figures and the criterion that set them below the row above.

    A person who entered by phone has it in their key; an attendee's phone is the registration's, filled in
    by the caller from `attendee_code`."""
    kind, _, identity = entry["participant"].partition(":")
    result = entry["result"]
    return {"rank": rank, "name": entry["name"], "commune": entry["commune"],
            "attendee_code": identity if kind == ATTENDEE else None,
            "phone": identity if kind == PERSON else "",
            "correct": result["correct"], "prediction": result.get("prediction"),
            "duration_seconds": result["duration_ms"] / 1000, "submitted_at": result["submitted_at"].isoformat(),
            "tie_broken_by": broken_by(above, key)}
