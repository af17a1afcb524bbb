"""Quiz service: the question bank and the online contest (entries scored on the server)."""
import random

from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy, rpc

from services.quiz.logic import parse_bank, rows_from_csv, validate_answers, validate_contest
from services.quiz.storage import QuizStore
from shared.calls import deferred_call
from shared.errors import NotFound, ValidationFailed
from shared.events import QUIZ_ENTRY_SUBMITTED, QuizEntrySubmitted, Source
from shared.mongo import mongo_now
from shared.phones import normalise_phone
from shared.text import clean_text

_rng = random.SystemRandom()


def _public_contest(contest: dict, questions: int) -> dict:
    return {"id": contest["_id"], "title": contest["title"], "opens_at": contest["opens_at"].isoformat(),
            "closes_at": contest["closes_at"].isoformat(), "time_limit_seconds": contest["time_limit_seconds"],
            "ask_prediction": contest["ask_prediction"], "questions": questions}


class QuizService:
    name = Source.QUIZ.value

    store = QuizStore()
    registration = RpcProxy(Source.REGISTRATION.value)
    dispatch = EventDispatcher()

    @rpc
    def import_bank(self, rows: list) -> dict:
        """Replace the bank with these questions, or refuse naming every bad row (nothing imported)."""
        return {"imported": self.store.replace_bank(parse_bank(rows))}

    @rpc
    def import_bank_csv(self, text: str) -> dict:
        if not isinstance(text, str):
            raise ValidationFailed({"bank": "not_text"})
        return self.import_bank(rows_from_csv(text))

    @rpc
    def bank(self) -> list[dict]:
        """The bank with its answers, for the organisers only."""
        return [{"id": q["_id"], "text": q["text"], "choices": q["choices"], "correct": "ABCDEF"[q["correct"]],
                 "explanation": q["explanation"]} for q in self.store.bank()]

    @rpc
    def save_contest(self, contest_id: str, contest: dict) -> dict:
        if not isinstance(contest, dict):
            raise ValidationFailed({"contest": "not_text"})
        saved = self.store.save_contest(validate_contest(contest_id, contest))
        return _public_contest(saved, len(self.store.bank()))

    @rpc
    def contest(self, contest_id: str) -> dict:
        return _public_contest(self.store.contest(str(contest_id)), len(self.store.bank()))

    @rpc
    def start_entry(self, contest_id: str, attendee_code: str | None = None, name: str | None = None,
                    phone: str | None = None, commune: str | None = None) -> dict:
        """The questions in this entry's own order, without answers; the clock starts on the server."""
        contest = self.store.contest(str(contest_id))
        entry = self.store.open_entry(contest, self._participant(attendee_code, name, phone, commune),
                                      mongo_now(), _rng)
        bank = {q["_id"]: q for q in self.store.bank()}
        return {"entry_id": entry["_id"], "started_at": entry["started_at"].isoformat(),
                "deadline": entry["deadline"].isoformat(), "ask_prediction": contest["ask_prediction"],
                "questions": [{"id": qid, "text": bank[qid]["text"], "choices": bank[qid]["choices"]}
                              for qid in entry["order"] if qid in bank]}

    def _participant(self, attendee_code, name, phone, commune) -> dict:
        """A registered attendee by code, or a person by name, phone and commune."""
        if attendee_code:
            try:
                attendee = deferred_call(self.registration, "get_attendee", code=str(attendee_code))()
            except NotFound:
                raise ValidationFailed({"attendee_code": "unknown_code"}) from None
            return {"key": f"a:{attendee['code']}", "name": attendee["name"], "commune": attendee["commune"]}
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
        return {"key": f"p:{person['phone']}", "name": person["name"], "commune": person["commune"]}

    @rpc
    def submit_entry(self, entry_id: str, answers: dict, prediction: int | None = None) -> dict:
        """Score on the server, once; refused after the contest closes or the entry's time runs out."""
        answers, prediction = validate_answers(answers, prediction)
        result, event = self.store.submit(self.store.entry(str(entry_id)), answers, prediction, mongo_now())
        if event:
            self.dispatch(QUIZ_ENTRY_SUBMITTED, QuizEntrySubmitted(**event).model_dump(mode="json"))
        return {"correct": result["correct"], "total": result["total"], "perfect": result["perfect"],
                "duration_seconds": round(result["duration_ms"] / 1000, 3)}

    @rpc
    def contest_stats(self, contest_id: str) -> dict:
        """The exact figures the province publishes, participation by commune and the leaderboard."""
        contest = self.store.contest(str(contest_id))
        totals = {name: 0 for name in ("quiz_participants", "quiz_entries", "quiz_perfect_participants",
                                       "quiz_perfect_entries")}
        snapshot = self.store.counters()
        for stream in snapshot["streams"].values():
            for name in totals:
                totals[name] += stream["counters"].get(name, 0)
        return {"participants": totals["quiz_participants"], "entries": totals["quiz_entries"],
                "perfect_participants": totals["quiz_perfect_participants"],
                "perfect_entries": totals["quiz_perfect_entries"],
                "fastest_perfect_seconds": snapshot["gauges"].get("quiz_fastest_perfect_seconds"),
                "by_commune": self.store.by_commune(),
                "leaderboard": self.store.leaderboard(contest, totals["quiz_perfect_entries"])}

    @rpc
    def stats(self) -> dict:
        return self.store.counters()

    @rpc
    def health(self) -> str:
        return "ok"
