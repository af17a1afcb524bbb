"""Quiz rules: question-bank validation, scoring and ranking. No I/O.

Ranking (the province's contest rules): most correct answers first; then, when the contest
asks it, closest to the prediction of how many entries answer everything right; then the
shortest duration; then the earliest submission. A participant's best entry counts.
"""
import hashlib
import hmac
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.codes import normalise_code
from shared.communes import CommuneList, pick_commune
from shared.errors import NotFound, Refused, ValidationFailed
from shared.numbers import is_whole_number
from shared.phones import normalise_phone
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
# A participant's key: an attendee's badge code, a phone number, or (once forgotten) a random one.
ATTENDEE_KEY, PHONE_KEY, ANONYMOUS_KEY = "a:", "p:", "x:"


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


Problems = dict[str, str]  # field (the spreadsheet's column name) -> refusal code


def _bilingual(raw: Any, limit: int, required: bool, errors: Problems, column: str) -> dict[str, str]:
    """Vietnamese and English text; `column` is the spreadsheet's name for it (text, a, explanation)."""
    if isinstance(raw, str):
        raw = {"vi": raw}
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        errors[f"{column}_vi"] = "not_text"
        return {}
    out = {}
    for lang in ("vi", "en"):
        try:
            out[lang] = clean_text(raw.get(lang))
        except TypeError:
            errors[f"{column}_{lang}"] = "not_text"
            continue
        if len(out[lang]) > limit:
            errors[f"{column}_{lang}"] = "too_long"
    if required and not out.get("vi") and f"{column}_vi" not in errors:
        errors[f"{column}_vi"] = "required"
    out["en"] = out.get("en") or out.get("vi", "")
    return out


def parse_question(raw: Mapping[str, Any]) -> tuple[Question | None, Problems]:
    """One bank row as a question, or what is wrong with it, field by field."""
    errors: Problems = {}
    qid: Any = raw.get("id")  # JSON or CSV: checked below
    if not isinstance(qid, str) or not qid.strip() or len(qid) > QUESTION_ID_MAX:
        errors["id"] = "bank_bad_id"
    text = _bilingual(raw.get("text"), TEXT_MAX, True, errors, "text")
    choices_raw = raw.get("choices")
    choices: list[dict[str, str]] = []
    if not isinstance(choices_raw, list) or not MIN_CHOICES <= len(choices_raw) <= MAX_CHOICES:
        errors["choices"] = "bank_choice_count"
    else:
        choices = [_bilingual(c, CHOICE_MAX, True, errors, LETTERS[i].lower()) for i, c in enumerate(choices_raw)]
    correct = raw.get("correct")
    index = LETTERS.find(correct.strip().upper()) if isinstance(correct, str) and len(correct.strip()) == 1 else -1
    if index < 0 or (choices and index >= len(choices)):
        errors["correct"] = "bank_bad_letter"
    explanation = _bilingual(raw.get("explanation"), EXPLANATION_MAX, False, errors, "explanation")
    if errors:
        return None, errors
    return Question(id=qid.strip(), text=text, choices=choices, correct=index, explanation=explanation), {}


def row_field(row: int, field: str) -> str:
    """How a bank report names a bad cell: "row 3: correct" (the page splits it into row and field)."""
    return f"row {row}: {field}"


def parse_bank(rows: Sequence[Any], first_row: int = 1, numbers: Sequence[int] | None = None) -> list[Question]:
    """Every question, or ValidationFailed naming each bad row and field with its refusal code: a bank
    is imported whole or not at all. `first_row` numbers the rows as their file does (2 below a header);
    `numbers`, each row's own, where the file's blank rows were left out."""
    if not isinstance(rows, list) or not rows:
        raise ValidationFailed({"bank": "bank_empty"})
    if len(rows) > BANK_MAX:
        raise ValidationFailed({"bank": "bank_too_many"})
    report: dict[str, str] = {}
    questions: list[Question] = []
    seen: set[str] = set()
    for number, row in zip(range(first_row, first_row + len(rows)) if numbers is None else numbers, rows,
                           strict=True):
        question, errors = parse_question(row) if isinstance(row, Mapping) else (None, {})
        if not isinstance(row, Mapping):
            errors["question"] = "bank_not_question"
        elif question and question.id in seen:
            errors["id"] = "bank_twice"
        report |= {row_field(number, field): code for field, code in errors.items()}
        if question and not errors:
            seen.add(question.id)
            questions.append(question)
    if report:
        raise ValidationFailed(report)
    return questions


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


def participant_record(entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A participant's figures in one contest, from their submitted entries: how many, how many perfect, the best,
    and the candidates for the best once the prediction counts (each entry with their most correct answers, with
    its prediction), so the final ranking reads participants alone. Set from what is stored, never added to:
    written twice, it is the same."""
    best: tuple[Result, Mapping[str, Any]] | None = None
    for entry in entries:
        r = entry["result"]
        candidate = Result(r["correct"], r["duration_ms"], r["submitted_at"])
        if best is None or is_better(candidate, best[0]):
            best = (candidate, entry)
    record: dict[str, Any] = {"entries": len(entries),
                              "perfect_entries": sum(1 for entry in entries if entry["result"]["perfect"])}
    if best is not None:
        record["best"] = _figures(best[1])
        record["candidates"] = sorted(
            (_figures(entry) | {"prediction": entry["result"].get("prediction")}
             for entry in entries if entry["result"]["correct"] == best[0].correct),
            key=lambda c: (c["submitted_at"], c["entry_id"]))
    return record


def _figures(entry: Mapping[str, Any]) -> dict[str, Any]:
    """What a participant's record keeps of one of their entries."""
    r = entry["result"]
    return {"correct": r["correct"], "duration_ms": r["duration_ms"], "submitted_at": r["submitted_at"],
            "entry_id": entry["_id"]}


@dataclass(frozen=True)
class Start:
    """A start the rules let through so far: its contest, its participant and the phone's token digest."""

    contest: Mapping[str, Any]
    participant: Mapping[str, Any]  # key, name, commune, commune_code
    token_digest: str


def new_entry(start: Start, answer_key: Mapping[str, int], now: datetime, rng: random.Random) -> dict[str, Any]:
    """A fresh entry over the bank's questions in an order of its own; it keeps its own answer key, so it is
    scored on the questions it was given."""
    contest = start.contest
    return {"_id": rng.getrandbits(128).to_bytes(16, "big").hex(), "contest_id": contest["_id"],
            "participant": start.participant["key"], "token_hash": start.token_digest,
            "name": start.participant["name"], "commune": start.participant["commune"],
            "commune_code": start.participant.get("commune_code"), "status": OPEN,
            "started_at": now, "deadline": entry_deadline(now, contest["time_limit_seconds"], contest["closes_at"]),
            "order": shuffled(list(answer_key), rng), "key": dict(answer_key)}


@dataclass(frozen=True)
class StartPlan:
    entries: list[Mapping[str, Any] | Refused]  # each start's entry (resumed or new) or its refusal, in order
    expired: list[str]  # open entries whose time ran out, replaced by new ones
    created: list[dict[str, Any]]


def plan_starts(starts: Sequence[Start], open_entries: Mapping[tuple[str, str], Mapping[str, Any]], now: datetime,
                new_entry: Callable[[Start], dict[str, Any]]) -> StartPlan:
    """A batch's starts in order, against each participant's open entry in each contest (by (participant, contest)):
    the phone that started an entry resumes it, another is refused; one whose time ran out is replaced."""
    current = dict(open_entries)
    entries: list[Mapping[str, Any] | Refused] = []
    expired, created = [], []
    for start in starts:
        key = (start.participant["key"], start.contest["_id"])
        entry = current.get(key)
        if entry is not None:
            decision = on_open_entry(entry, start.token_digest, now)
            if decision != REPLACE:
                entries.append(entry if decision == RESUME else Refused("entry_elsewhere"))
                continue
            expired.append(entry["_id"])
        current[key] = made = new_entry(start)
        created.append(made)
        entries.append(made)
    return StartPlan(entries, expired, created)


@dataclass(frozen=True)
class Submission:
    entry_id: str
    answers: dict[str, int]
    prediction: int | None


@dataclass(frozen=True)
class SubmitPlan:
    results: list[dict[str, Any] | NotFound | Refused]  # each submission's result or its refusal, in order
    scored: dict[str, dict[str, Any]]  # entry id -> what is stored with it now (effect: its counter effect)
    expired: list[str]  # open entries submitted after their deadline


def plan_submissions(submissions: Sequence[Submission], entries: Mapping[str, Mapping[str, Any]],
                     submitted: Mapping[tuple[str, str], Sequence[Mapping[str, Any]]], now: datetime) -> SubmitPlan:
    """A batch's submissions in order. `submitted` holds each (contest, participant)'s results stored before: an
    entry is its participant's first (or first perfect) when none came before it, in the batch or before."""
    status: dict[str, tuple[str, Any]] = {entry_id: (entry["status"], entry.get("result"))
                                         for entry_id, entry in entries.items()}
    before = {key: list(results) for key, results in submitted.items()}
    results: list[dict[str, Any] | NotFound | Refused] = []
    scored: dict[str, dict[str, Any]] = {}
    expired = []
    for submission in submissions:
        entry = entries.get(submission.entry_id)
        if entry is None:
            results.append(NotFound("entry"))
            continue
        state, stored = status[entry["_id"]]
        verdict = judge_submission(state, entry["deadline"], now)
        if verdict == SUBMITTED:
            results.append(stored)
            continue
        if verdict == EXPIRED:
            if state == OPEN:
                expired.append(entry["_id"])
                status[entry["_id"]] = (EXPIRED, None)
            results.append(Refused("too_late"))
            continue
        done = score_entry(entry["key"], submission.answers, submission.prediction, entry["started_at"], now)
        result = done.as_doc()
        past = before.setdefault((entry["contest_id"], entry["participant"]), [])
        effect = {"contest_id": entry["contest_id"], "perfect": done.perfect, "duration_ms": result["duration_ms"],
                  "first_entry": not past, "first_perfect": done.perfect and not any(r["perfect"] for r in past)}
        past.append(result)
        status[entry["_id"]] = (SUBMITTED, result)
        scored[entry["_id"]] = {"status": SUBMITTED, "result": result, "answers": done.answers, "effect": effect}
        results.append(result)
    return SubmitPlan(results, scored, expired)


def entry_counts(effects: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Scored entries summed per contest into the fields of one quiz.entries_submitted event."""
    fields: dict[str, dict[str, Any]] = {name: {} for name in (
        "entries", "perfect_entries", "participants", "perfect_participants", "fastest_perfect_seconds")}
    for effect in effects:
        contest = effect["contest_id"]
        for name, counts in (("entries", True), ("perfect_entries", effect["perfect"]),
                             ("participants", effect["first_entry"]),
                             ("perfect_participants", effect["first_perfect"])):
            fields[name][contest] = fields[name].get(contest, 0) + int(counts)
        if effect["perfect"]:
            seconds = effect["duration_ms"] / 1000
            fields["fastest_perfect_seconds"][contest] = min(fields["fastest_perfect_seconds"].get(contest, seconds),
                                                             seconds)
    return fields


def participant_from(attendee_code: Any, attendees: Mapping[str, Mapping[str, Any]], name: Any, phone: Any,
                     commune: Any, communes: CommuneList) -> dict[str, Any]:
    """A registered attendee by code (looked up in `attendees`, by code), or a person by name, phone and a
    commune of the province's list (as typed while no list is loaded)."""
    if attendee_code:
        code = normalise_code(str(attendee_code))
        if code not in attendees:
            raise ValidationFailed({"attendee_code": "unknown_code"})
        attendee = attendees[code]
        return {"key": f"{ATTENDEE_KEY}{code}", "name": attendee["name"], "commune": attendee["commune"],
                "commune_code": attendee.get("commune_code")}
    errors, person = {}, {}
    for field, value in (("name", name), ("commune", commune)):
        try:
            person[field] = clean_text(value)[:80]
        except TypeError:
            person[field] = ""
        if not person[field]:
            errors[field] = "required"
    try:
        person["phone"] = normalise_phone(phone if isinstance(phone, str) else "")
    except ValueError:
        errors["phone"] = "invalid_phone"
    if errors:
        raise ValidationFailed(errors)
    picked = pick_commune(person["commune"], communes)
    return {"key": f"{PHONE_KEY}{person['phone']}", "name": person["name"], "commune": picked["name"],
            "commune_code": picked["code"]}


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
