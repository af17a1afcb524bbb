"""Quiz service: the question bank and the online contest (entries scored on the server)."""
import random

from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy, rpc

from services.quiz import live
from services.quiz.logic import parse_bank, rows_from_csv, validate_answers, validate_contest
from services.quiz.round_storage import RoundStore
from services.quiz.storage import QuizStore
from shared.calls import deferred_call
from shared.codes import normalise_code
from shared.entrypoints import CountersAndHealth
from shared.errors import NotFound, ValidationFailed
from shared.events import (
    QUIZ_ANSWER_RECEIVED,
    QUIZ_ANSWER_REVEALED,
    QUIZ_ENTRY_SUBMITTED,
    QUIZ_QUESTION_CLOSED,
    QUIZ_QUESTION_OPENED,
    QuizAnswerReceived,
    QuizAnswerRevealed,
    QuizEntrySubmitted,
    QuizQuestionClosed,
    QuizQuestionOpened,
    Source,
)
from shared.mongo import mongo_now
from shared.numbers import is_whole_number
from shared.phones import normalise_phone
from shared.text import clean_text

_rng = random.SystemRandom()


def _public_contest(contest: dict, questions: int) -> dict:
    return {"id": contest["_id"], "title": contest["title"], "opens_at": contest["opens_at"].isoformat(),
            "closes_at": contest["closes_at"].isoformat(), "time_limit_seconds": contest["time_limit_seconds"],
            "ask_prediction": contest["ask_prediction"], "questions": questions}


def _public_question(question: dict | None) -> dict | None:
    """A question as players see it: never the answer or its explanation."""
    if question is None:
        return None
    return {"id": question["id"], "text": question["text"], "choices": question["choices"]}


class QuizService(CountersAndHealth):
    name = Source.QUIZ.value

    store = QuizStore()
    rounds = RoundStore()
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
        bank = {q["_id"]: q for q in self.store.bank()}
        entry = self.store.open_entry(contest, self._participant(attendee_code, name, phone, commune),
                                      {qid: q["correct"] for qid, q in bank.items()}, mongo_now(), _rng)
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

    # Live rounds on the stage -------------------------------------------------------

    @rpc
    def create_round(self, question_count: int = 10, seconds: int = 20) -> dict:
        """A round in the lobby, with questions drawn from the bank; players join with its code."""
        if not is_whole_number(question_count, 1, live.ROUND_QUESTIONS_MAX):
            raise ValidationFailed({"question_count": "invalid_number"})
        if not is_whole_number(seconds, live.SECONDS_MIN, live.SECONDS_MAX):
            raise ValidationFailed({"seconds": "invalid_number"})
        bank = self.store.bank()
        picked = _rng.sample(bank, min(question_count, len(bank)))
        questions = [{"id": q["_id"], "text": q["text"], "choices": q["choices"], "correct": q["correct"],
                      "explanation": q["explanation"]} for q in picked]
        return self.round_state(self.rounds.create(questions, seconds, mongo_now())["_id"])

    @rpc
    def join_round(self, round_id: str, name: str | None = None, attendee_code: str | None = None,
                   player_token: str | None = None) -> dict:
        """Join with a nickname or an attendee code; a returning token resumes with its score."""
        round_id = normalise_code(str(round_id))
        if attendee_code and not player_token:
            name = self._participant(attendee_code, None, None, None)["name"]
        try:
            nickname = clean_text(name)[:live.NICKNAME_MAX]
        except TypeError:
            nickname = ""
        if not nickname and not player_token:
            raise ValidationFailed({"name": "required"})
        player = self.rounds.join(round_id, nickname, str(player_token) if player_token else None)
        return {"player_token": player["_id"], **self.round_state(round_id, player["_id"])}

    @rpc
    def answer_live(self, round_id: str, player_token: str, index: int, choice: int) -> dict:
        """Timed by the server's receive time; once per question; refused after the countdown."""
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (index, choice)):
            raise ValidationFailed({"choice": "invalid_number"})
        round_doc = self.rounds.round(normalise_code(str(round_id)))
        player = self.rounds.player(round_doc["_id"], str(player_token))
        answer, count = self.rounds.answer(round_doc, player, index, choice, mongo_now())
        self.dispatch(QUIZ_ANSWER_RECEIVED, QuizAnswerReceived(
            round_id=round_doc["_id"], index=index, answers=count).model_dump(mode="json"))
        return {"index": index, "choice": choice}

    @rpc
    def host_round(self, round_id: str, action: str, index: int | None = None) -> dict:
        """The MC's controls: open question N, close it, reveal the answer, finish."""
        if action not in live.NEXT_STATES:
            raise ValidationFailed({"action": "unknown_action"})
        doc = self.rounds.move(normalise_code(str(round_id)), action, mongo_now(), index)
        question = doc["questions"][doc["index"]] if doc["index"] >= 0 else None
        event = {"round_id": doc["_id"], "index": doc["index"]}
        if action == "open":
            self.dispatch(QUIZ_QUESTION_OPENED, QuizQuestionOpened(
                **event, question=_public_question(question), opened_at=doc["opened_at"],
                closes_at=doc["closes_at"], total_questions=len(doc["questions"])).model_dump(mode="json"))
        elif action == "close":
            self.dispatch(QUIZ_QUESTION_CLOSED, QuizQuestionClosed(
                **event, histogram=self._histogram(doc)).model_dump(mode="json"))
        elif action == "reveal":
            self.dispatch(QUIZ_ANSWER_REVEALED, QuizAnswerRevealed(
                **event, correct=question["correct"], explanation=question["explanation"],
                leaderboard=self.rounds.leaderboard(doc["_id"])).model_dump(mode="json"))
        return self.round_state(doc["_id"])

    def _histogram(self, doc: dict) -> list[int]:
        question = doc["questions"][doc["index"]]
        return live.histogram(len(question["choices"]), self.rounds.choices_made(doc["_id"], doc["index"]))

    @rpc
    def round_state(self, round_id: str, player_token: str | None = None) -> dict:
        """Everything a screen needs after a (re)connect: where the round is, and the player's score."""
        doc = self.rounds.round(normalise_code(str(round_id)))
        now = mongo_now()
        state = live.effective_state(doc["state"], doc["closes_at"], now)
        index = doc["index"]
        question = doc["questions"][index] if index >= 0 else None
        snapshot: dict = {"round_id": doc["_id"], "state": state, "index": index, "seconds": doc["seconds"],
                          "total_questions": len(doc["questions"]), "now": now.isoformat(),
                          "opened_at": doc["opened_at"].isoformat() if doc["opened_at"] else None,
                          "closes_at": doc["closes_at"].isoformat() if doc["closes_at"] else None,
                          "question": _public_question(question) if question and state != live.LOBBY else None,
                          "answers": doc["answers"].get(str(index), 0)}
        if question and state in (live.CLOSED, live.REVEALED):
            snapshot["histogram"] = self._histogram(doc)
        if question and state == live.REVEALED:
            snapshot |= {"correct": question["correct"], "explanation": question["explanation"]}
        if state in (live.REVEALED, live.FINISHED):
            snapshot["leaderboard"] = self.rounds.leaderboard(doc["_id"])
        if player_token:
            player = self.rounds.player(doc["_id"], str(player_token))
            mine = self.rounds.players_answer(doc["_id"], index, player["_id"]) if index >= 0 else None
            if mine and state != live.REVEALED:
                mine.pop("points")  # the points would tell whether it was right before the reveal
            snapshot["player"] = {"name": player["name"], "score": player["score"] if state != live.OPEN
                                  else None, "answer": mine}
        return snapshot
