"""Quiz rules: question-bank validation, scoring and ranking. No I/O.

Ranking (the province's contest rules): most correct answers first; then, when the contest
asks it, closest to the prediction of how many entries answer everything right; then the
shortest duration; then the earliest submission. A participant's best entry counts.
"""
import csv
import hashlib
import hmac
import io
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.errors import ValidationFailed
from shared.numbers import is_whole_number
from shared.text import clean_text

LETTERS = "ABCDEF"
MIN_CHOICES, MAX_CHOICES = 2, 6
TEXT_MAX, CHOICE_MAX, EXPLANATION_MAX = 500, 200, 1000
QUESTION_ID_MAX = 40
BANK_MAX = 500
# The secret a phone makes up for its contest entries (the page: 32 random hex digits).
ENTRY_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,100}")
RESUME, ELSEWHERE, REPLACE = "resume", "elsewhere", "replace"
# An entry's life: open from its start, then submitted once or expired unsubmitted.
OPEN, SUBMITTED, EXPIRED = "open", "submitted", "expired"


@dataclass(frozen=True)
class Question:
    id: str
    text: dict[str, str]
    choices: list[dict[str, str]]
    correct: int  # index into choices
    explanation: dict[str, str]

    def public(self) -> dict[str, Any]:
        """What a player sees: never the answer."""
        return {"id": self.id, "text": self.text, "choices": self.choices}

    def as_doc(self, order: int) -> dict[str, Any]:
        return {"_id": self.id, "text": self.text, "choices": self.choices, "correct": self.correct,
                "explanation": self.explanation, "order": order}


def _bilingual(raw: Any, limit: int, required: bool, problems: list[str], what: str) -> dict[str, str]:
    if isinstance(raw, str):
        raw = {"vi": raw}
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.append(f"{what}: not text")
        return {}
    out = {}
    for lang in ("vi", "en"):
        try:
            out[lang] = clean_text(raw.get(lang))
        except TypeError:
            problems.append(f"{what}.{lang}: not text")
            continue
        if len(out[lang]) > limit:
            problems.append(f"{what}.{lang}: longer than {limit} characters")
    if required and not out.get("vi"):
        problems.append(f"{what}.vi: required")
    out["en"] = out.get("en") or out.get("vi", "")
    return out


def parse_question(raw: Mapping[str, Any]) -> tuple[Question | None, list[str]]:
    """One bank row as a question, or the list of what is wrong with it."""
    problems: list[str] = []
    qid: Any = raw.get("id")  # JSON or CSV: checked below
    if not isinstance(qid, str) or not qid.strip() or len(qid) > QUESTION_ID_MAX:
        problems.append("id: required, at most 40 characters")
    text = _bilingual(raw.get("text"), TEXT_MAX, True, problems, "text")
    choices_raw = raw.get("choices")
    choices: list[dict[str, str]] = []
    if not isinstance(choices_raw, list) or not MIN_CHOICES <= len(choices_raw) <= MAX_CHOICES:
        problems.append(f"choices: {MIN_CHOICES} to {MAX_CHOICES} needed")
    else:
        choices = [_bilingual(c, CHOICE_MAX, True, problems, f"choice {LETTERS[i]}") for i, c in enumerate(choices_raw)]
    correct = raw.get("correct")
    index = LETTERS.find(correct.strip().upper()) if isinstance(correct, str) and len(correct.strip()) == 1 else -1
    if index < 0 or (choices and index >= len(choices)):
        problems.append("correct: the letter of one of the choices (A, B, …)")
    explanation = _bilingual(raw.get("explanation"), EXPLANATION_MAX, False, problems, "explanation")
    if problems:
        return None, problems
    return Question(id=qid.strip(), text=text, choices=choices, correct=index, explanation=explanation), []


def parse_bank(rows: Sequence[Any]) -> list[Question]:
    """Every question, or ValidationFailed mapping each bad "row N" to what is wrong with it:
    a bank is imported whole or not at all."""
    if not isinstance(rows, list) or not rows:
        raise ValidationFailed({"bank": "a non-empty list of questions"})
    if len(rows) > BANK_MAX:
        raise ValidationFailed({"bank": f"at most {BANK_MAX} questions"})
    report: dict[str, str] = {}
    questions: list[Question] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        question, problems = parse_question(row) if isinstance(row, Mapping) else (None, ["not a question"])
        if question and question.id in seen:
            problems = [f"id: {question.id} appears twice"]
        if problems:
            report[f"row {number}"] = "; ".join(problems)
        elif question:
            seen.add(question.id)
            questions.append(question)
    if report:
        raise ValidationFailed(report)
    return questions


def rows_from_csv(text: str) -> list[dict[str, Any]]:
    """CSV with columns id, text_vi, text_en, a_vi, a_en … f_vi, f_en, correct, explanation_vi, explanation_en."""
    rows = []
    # newline="" lets the csv module itself read line ends, including a lone \r and quoted ones.
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        for record in reader:
            choices = [{"vi": record.get(f"{x}_vi") or "", "en": record.get(f"{x}_en") or ""}
                       for x in LETTERS.lower() if (record.get(f"{x}_vi") or "").strip()]
            rows.append({"id": record.get("id"), "text": {"vi": record.get("text_vi"), "en": record.get("text_en")},
                         "choices": choices, "correct": record.get("correct"),
                         "explanation": {"vi": record.get("explanation_vi"), "en": record.get("explanation_en")}})
    except csv.Error as exc:
        raise ValidationFailed({f"line {reader.line_num}": f"not CSV: {exc}"}) from None
    return rows


def shuffled(question_ids: Iterable[str], rng: random.Random) -> list[str]:
    order = list(question_ids)
    rng.shuffle(order)
    return order


def score(answers: Mapping[str, Any], key: Mapping[str, int]) -> int:
    """Correct answers; an answer to a question not in the entry, or not a choice, counts nothing."""
    return sum(1 for qid, correct in key.items()
               if isinstance(answers.get(qid), int) and not isinstance(answers.get(qid), bool)
               and answers[qid] == correct)


@dataclass(frozen=True)
class Result:
    correct: int
    duration_ms: int
    submitted_at: datetime
    prediction: int | None = None


RankKey = tuple[int, float, int, datetime]


def rank_key(result: Result, perfect_entries: int | None) -> RankKey:
    """Sort key, best first. `perfect_entries` is the contest's final count when the prediction counts."""
    miss = abs(result.prediction - perfect_entries) if perfect_entries is not None and result.prediction is not None \
        else (float("inf") if perfect_entries is not None else 0)
    return (-result.correct, miss, result.duration_ms, result.submitted_at)


def is_better(candidate: Result, current: Result | None) -> bool:
    """Whether an entry beats a participant's best so far (the prediction is settled only at the end)."""
    return current is None or rank_key(candidate, None) < rank_key(current, None)


@dataclass(frozen=True)
class Scored:
    """A submitted entry's score: only answers to the entry's own questions are kept."""

    answers: dict[str, int]
    result: Result
    total: int

    @property
    def perfect(self) -> bool:
        return self.result.correct == self.total

    def as_doc(self) -> dict[str, Any]:
        """The result as stored with the entry and answered to the player."""
        r = self.result
        return {"correct": r.correct, "total": self.total, "duration_ms": r.duration_ms, "perfect": self.perfect,
                "submitted_at": r.submitted_at, "prediction": r.prediction}


def judge_submission(status: str, deadline: datetime, now: datetime) -> str:
    """What submitting does: answer the stored result (SUBMITTED), refuse (EXPIRED) or score it (OPEN).

    A second submit is no error and scores nothing again; one after the deadline is too late."""
    if status == SUBMITTED:
        return SUBMITTED
    if status == EXPIRED or now > deadline:
        return EXPIRED
    return OPEN


def score_entry(key: Mapping[str, int], answers: Mapping[str, Any], prediction: int | None,
                started_at: datetime, now: datetime) -> Scored:
    """Score an entry on the questions it was given, timed from its start by the server's clock."""
    kept = {qid: answers[qid] for qid in key if qid in answers}
    duration_ms = int((now - started_at).total_seconds() * 1000)
    return Scored(answers=kept, result=Result(score(kept, key), duration_ms, now, prediction), total=len(key))


# What an entry does to its participant's candidates for the final ranking: the entries with their most
# correct answers, any of which the prediction may make the best once the contest closes.
CANDIDATES_RESET, CANDIDATES_ADD, CANDIDATES_KEEP = "reset", "add", "keep"


@dataclass(frozen=True)
class Standing:
    """What a scored entry changes in its participant's record in the contest."""

    first_entry: bool
    first_perfect: bool
    new_best: bool
    candidates: str


def participant_standing(before: Mapping[str, Any], scored: Scored) -> Standing:
    """`before` is the participant's record before this entry ({} for their first)."""
    best = before.get("best")
    current = Result(best["correct"], best["duration_ms"], best["submitted_at"]) if best else None
    candidates = CANDIDATES_RESET if current is None or scored.result.correct > current.correct else (
        CANDIDATES_ADD if scored.result.correct == current.correct else CANDIDATES_KEEP)
    return Standing(first_entry=before.get("entries", 0) == 0,
                    first_perfect=scored.perfect and before.get("perfect_entries", 0) == 0,
                    new_best=is_better(scored.result, current), candidates=candidates)


def prediction_settled(contest: Mapping[str, Any], now: datetime) -> bool:
    """The prediction ranks only once the contest closed, when the count of perfect entries is final."""
    return bool(contest.get("ask_prediction")) and contest["closes_at"] <= now


Ranked = tuple[RankKey, Mapping[str, Any]]


def ranking(entries: Iterable[Mapping[str, Any]], perfect_entries: int | None) -> list[Ranked]:
    """Every participant's best submitted entry with its sort key, best first: one row per participant.

    Entries carry `participant` and `result` (correct, duration_ms, submitted_at, prediction); two
    participants alike in every criterion stand in the order of their participant keys."""
    best: dict[str, Ranked] = {}
    for entry in entries:
        r = entry["result"]
        key = rank_key(Result(r["correct"], r["duration_ms"], r["submitted_at"], r.get("prediction")),
                       perfect_entries)
        if entry["participant"] not in best or key < best[entry["participant"]][0]:
            best[entry["participant"]] = (key, entry)
    return sorted(best.values(), key=lambda pair: (pair[0], pair[1]["participant"]))


# The criteria of `rank_key`, in its order: which one set a row below the row above it.
TIE_BREAKERS = ("correct", "prediction", "duration", "submitted_at")


def broken_by(above: RankKey | None, key: RankKey) -> str | None:
    """The first criterion on which `key` differs from the row above (None for the first row or a full tie)."""
    if above is None:
        return None
    return next((name for name, mine, theirs in zip(TIE_BREAKERS, key, above, strict=True) if mine != theirs), None)


def contest_open(opens_at: datetime, closes_at: datetime, now: datetime) -> bool:
    return opens_at <= now < closes_at


def entry_deadline(now: datetime, time_limit_seconds: int, closes_at: datetime) -> datetime:
    """An entry's time runs out after the contest's limit, or at the close if that comes first."""
    return min(now + timedelta(seconds=time_limit_seconds), closes_at)


def validate_contest(contest_id: Any, raw: Mapping[str, Any]) -> dict[str, Any]:
    """A contest as organisers set it: an open window and a time limit per entry."""
    errors: dict[str, str] = {}
    if not isinstance(contest_id, str) or not 1 <= len(contest_id) <= 40 or not contest_id.replace("-", "").isalnum():
        errors["id"] = "invalid_contest_id"
    times = {}
    for field in ("opens_at", "closes_at"):
        try:
            times[field] = datetime.fromisoformat(str(raw.get(field)))
            if times[field].tzinfo is None:
                raise ValueError
        except ValueError:
            errors[field] = "invalid_time"
    if len(times) == 2 and times["opens_at"] >= times["closes_at"]:
        errors["closes_at"] = "closes_before_opening"
    limit = raw.get("time_limit_seconds", 900)
    if not is_whole_number(limit, 10, 24 * 3600):
        errors["time_limit_seconds"] = "invalid_number"
    try:
        title = clean_text(raw.get("title"))
    except TypeError:
        title, errors["title"] = "", "not_text"
    if not title and "title" not in errors:
        errors["title"] = "required"
    ask_prediction = raw.get("ask_prediction", False)
    if not isinstance(ask_prediction, bool):
        errors["ask_prediction"] = "invalid_boolean"
    if errors:
        raise ValidationFailed(errors)
    return {"_id": contest_id, "title": title[:120], "opens_at": times["opens_at"], "closes_at": times["closes_at"],
            "time_limit_seconds": limit, "ask_prediction": ask_prediction}


def validate_answers(answers: Any, prediction: Any) -> tuple[dict[str, int], int | None]:
    if not isinstance(answers, Mapping) or len(answers) > BANK_MAX or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in answers.items()):
        raise ValidationFailed({"answers": "invalid_answers"})
    if prediction is not None and not is_whole_number(prediction, 0, 10_000_000):
        raise ValidationFailed({"prediction": "invalid_number"})
    return dict(answers), prediction


def entry_token_digest(token: Any) -> str:
    """What is stored of a phone's entry token: only the phone that holds the token resumes its entry."""
    if not isinstance(token, str) or not ENTRY_TOKEN.fullmatch(token):
        raise ValidationFailed({"token": "invalid_token"})
    return hashlib.sha256(token.encode()).hexdigest()


def on_open_entry(entry: Mapping[str, Any], token_digest: str, now: datetime) -> str:
    """What starting does with the participant's open entry: RESUME it (the phone that started it),
    REPLACE it (its time ran out) or refuse because it runs on another phone (ELSEWHERE).

    Knowing someone's phone number or badge code is not enough to see or submit their entry."""
    if now > entry["deadline"]:
        return REPLACE
    return RESUME if hmac.compare_digest(entry.get("token_hash", ""), token_digest) else ELSEWHERE
