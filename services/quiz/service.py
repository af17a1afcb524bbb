"""Quiz service: the question bank, the online contest (entries scored on the server) and the
live rounds on the stage (answers taken at the gateways' edge, stored here in batches)."""
import base64
import logging
import random
from datetime import datetime

from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from services.quiz import export_rows, lobby_storage, round_rules
from services.quiz.bank_files import parse_bank_file, xlsx_template
from services.quiz.lobby_news import ANNOUNCE_SECONDS, LobbyNews
from services.quiz.logic import (
    ATTENDEE_KEY,
    PHONE_KEY,
    Start,
    Submission,
    contest_open,
    entry_token_digest,
    new_entry,
    parse_bank,
    participant_from,
    plan_starts,
    plan_submissions,
    validate_answers,
    validate_contest,
)
from services.quiz.player_tokens import PlayerTokens
from services.quiz.round_storage import RoundStore
from services.quiz.storage import QuizStore
from shared.batches import Reply, answer, batch, refusal
from shared.cache import Recent
from shared.calls import deferred_call
from shared.codes import normalise_code
from shared.commands import Stream
from shared.communes import Commune, CommuneList
from shared.entrypoints import CountersAndHealth, KeepsPersonalData
from shared.errors import NotFound, Refused, ValidationFailed
from shared.events import (
    QuizAnswerReceived,
    QuizAnswerRevealed,
    QuizEntriesSubmitted,
    QuizPlayersJoined,
    QuizQuestionClosed,
    QuizQuestionOpened,
    QuizRoundFinished,
    Source,
)
from shared.mongo import mongo_now
from shared.numbers import is_whole_number
from shared.pages import EXPORT_PAGE, checked_limit
from shared.privacy import Person
from shared.publishing import EventPublisher
from shared.text import clean_text

_rng = random.SystemRandom()
log = logging.getLogger(__name__)
# The province's communes as the registration service holds them; a reloaded list is seen within this time.
COMMUNES: Recent[CommuneList] = Recent(10.0)


def _public_contest(contest: dict, questions: int) -> dict:
    return {"id": contest["_id"], "title": contest["title"], "opens_at": contest["opens_at"].isoformat(),
            "closes_at": contest["closes_at"].isoformat(), "time_limit_seconds": contest["time_limit_seconds"],
            "ask_prediction": contest["ask_prediction"], "questions": questions}


def _public_question(question: dict | None) -> dict | None:
    """A question as players see it: never the answer or its explanation."""
    if question is None:
        return None
    return {"id": question["id"], "text": question["text"], "choices": question["choices"]}


class QuizService(CountersAndHealth, KeepsPersonalData):
    name = Source.QUIZ.value

    store = QuizStore()
    rounds = RoundStore()
    tokens = PlayerTokens()
    lobby_news = LobbyNews()
    registration = RpcProxy(Source.REGISTRATION.value)
    publish = EventPublisher()

    @rpc
    def import_bank(self, rows: list) -> dict:
        """Replace the bank with these questions, or refuse naming every bad row (nothing imported)."""
        return {"imported": self.store.replace_bank(parse_bank(rows))}

    @rpc
    def import_bank_file(self, file_format: str, content_b64: str) -> dict:
        """The same from a file (json, csv or xlsx, base64), its rows numbered as the file shows them."""
        try:
            content = base64.b64decode(content_b64, validate=True)
        except (TypeError, ValueError):
            raise ValidationFailed({"bank": "bank_format"}) from None
        return {"imported": self.store.replace_bank(parse_bank_file(str(file_format), content))}

    @rpc
    def bank_template(self, notes: dict) -> dict:
        """An Excel workbook to fill in (base64): the header row and an example, commented with `notes`."""
        return {"content_b64": base64.b64encode(xlsx_template(notes)).decode()}

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
    def open_contests(self) -> list[dict]:
        """Contests open now, the one that opened last first: the MC screen shows its figures."""
        questions = len(self.store.bank())
        return [_public_contest(contest, questions) for contest in self.store.open_contests(mongo_now())]

    @batch(Stream.CONTEST)
    def take_contest_commands(self, commands: list[dict]) -> list[Reply | None]:
        """Contest entries started and submitted, each answered once stored (or refused, nothing stored). A batch's
        submissions go before its starts (all of them came at once): a start never resumes an entry submitted
        beside it."""
        now = mongo_now()
        replies: dict[int, Reply] = {}
        self._submit([(i, c) for i, c in enumerate(commands) if c.get("type") == "submit"], replies, now)
        self._start([(i, c) for i, c in enumerate(commands) if c.get("type") == "start"], replies, now)
        return [replies.get(i) for i in range(len(commands))]

    def _start(self, commands: list[tuple[int, dict]], replies: dict[int, Reply], now: datetime) -> None:
        """Each start: the questions in the entry's own order, without answers; the clock runs on the server.
        The phone's `token` resumes the open entry it started; another phone is refused. `server_time` lets the
        page run its clock on the server's time, however wrong its own."""
        attendees = self._attendees([c["attendee_code"] for _, c in commands if c.get("attendee_code")])
        walk_ins = any(not c.get("attendee_code") for _, c in commands)
        communes = self._communes() if walk_ins else CommuneList([])
        taken: list[tuple[int, Start]] = []
        for i, command in commands:
            try:
                digest = entry_token_digest(command.get("token"))
                contest = self.store.contest(str(command.get("contest_id")))
                if not contest_open(contest["opens_at"], contest["closes_at"], now):
                    raise Refused("contest_closed")
                participant = participant_from(command.get("attendee_code"), attendees, command.get("name"),
                                               command.get("phone"), command.get("commune"), communes)
            except (ValidationFailed, NotFound, Refused) as refused:
                replies[i] = refusal(refused)
                continue
            taken.append((i, Start(contest, participant, digest)))
        if not taken:
            return
        bank = {q["_id"]: q for q in self.store.bank()}
        answer_key = {qid: q["correct"] for qid, q in bank.items()}
        plan = plan_starts([start for _, start in taken], self.store.open_entries(
            (start.participant["key"], start.contest["_id"]) for _, start in taken), now,
            lambda start: new_entry(start, answer_key, now, _rng))
        self.store.store_starts(plan)
        for (i, start), entry in zip(taken, plan.entries, strict=True):
            replies[i] = refusal(entry) if isinstance(entry, Refused) else answer({
                "entry_id": entry["_id"], "started_at": entry["started_at"].isoformat(),
                "deadline": entry["deadline"].isoformat(), "server_time": now.isoformat(),
                "ask_prediction": start.contest["ask_prediction"],
                "questions": [{"id": qid, "text": bank[qid]["text"], "choices": bank[qid]["choices"]}
                              for qid in entry["order"] if qid in bank]})

    def _submit(self, commands: list[tuple[int, dict]], replies: dict[int, Reply], now: datetime) -> None:
        """Each submission scored on the server, once; refused after the contest closes or the entry's time ran
        out. The batch is counted with one counter update and one event."""
        taken: list[tuple[int, Submission]] = []
        for i, command in commands:
            try:
                answers, prediction = validate_answers(command.get("answers"), command.get("prediction"))
            except ValidationFailed as refused:
                replies[i] = refusal(refused)
                continue
            taken.append((i, Submission(str(command.get("entry_id")), answers, prediction)))
        if not taken:
            return
        entries = self.store.entries([submission.entry_id for _, submission in taken])
        plan = plan_submissions([submission for _, submission in taken], entries, {
            key: [entry["result"] for entry in found] for key, found in self.store.submitted(
                (entry["contest_id"], entry["participant"]) for entry in entries.values()).items()}, now)
        event = self.store.store_submissions(plan, entries, now)
        if event:
            self.publish(QuizEntriesSubmitted(**event))
        for (i, _), result in zip(taken, plan.results, strict=True):
            replies[i] = refusal(result) if isinstance(result, Exception) else answer({
                "correct": result["correct"], "total": result["total"], "perfect": result["perfect"],
                "duration_seconds": round(result["duration_ms"] / 1000, 3)})

    def _attendees(self, codes: list[str]) -> dict[str, dict]:
        """Name and commune by attendee code, with one call."""
        return deferred_call(self.registration, "attendees_by_code", codes=codes)() if codes else {}

    def _communes(self) -> CommuneList:
        """The province's communes as the registration service holds them (a reload seen within seconds)."""
        return COMMUNES.get(Source.REGISTRATION, lambda: CommuneList.from_docs(
            deferred_call(self.registration, "communes")()))

    def _attendee(self, attendee_code: str) -> dict:
        """A registered attendee by the code on their badge."""
        found = self._attendees([attendee_code]).get(normalise_code(str(attendee_code)))
        if found is None:
            raise ValidationFailed({"attendee_code": "unknown_code"})
        return found

    @rpc
    def contest_stats(self, contest_id: str) -> dict:
        """The exact figures the province publishes, participation by commune and the leaderboard."""
        contest = self.store.contest(str(contest_id))
        figures = self.store.contest_counters(contest["_id"])
        counts = {name: figures[f"quiz_{name}"] or 0
                  for name in ("participants", "entries", "perfect_participants", "perfect_entries")}
        return counts | {"fastest_perfect_seconds": figures["quiz_fastest_perfect_seconds"],
                         "by_commune": self.store.by_commune(contest["_id"]),
                         "leaderboard": self.store.leaderboard(contest, counts["perfect_entries"])}

    @rpc
    def ranking_page(self, contest_id: str, after: int | None = None, limit: int = EXPORT_PAGE) -> dict:
        """The organisers' ranking file, a page at a time: rows ranked after `after`, and the last rank given
        (None at the end). An open contest's first page ranks anew; the next ones continue that ranking. With
        phones."""
        if after is not None and not is_whole_number(after, 0, 10_000_000):
            raise ValidationFailed({"after": "invalid_number"})
        limit = checked_limit(limit)
        contest = self.store.contest(str(contest_id))
        perfect_entries = self.store.contest_counters(contest["_id"])["quiz_perfect_entries"] or 0
        ranked = self.store.full_ranking(contest, perfect_entries, anew=after is None)
        start = after or 0
        page = ranked[start:start + limit]
        rows = [export_rows.ranking_row(start + i + 1, key, entry, ranked[start + i - 1][0] if start + i else None)
                for i, (key, entry) in enumerate(page)]
        codes = [row["attendee_code"] for row in rows if row["attendee_code"]]
        contacts = deferred_call(self.registration, "contacts", codes=codes)() if codes else {}
        for row in rows:
            row["phone"] = row["phone"] or contacts.get(row["attendee_code"], {}).get("phone", "")
        end = start + len(page)
        return {"rows": rows, "next": end if end < len(ranked) else None}

    @rpc
    def communes(self, contest_id: str) -> dict:
        """Participants, entries and perfect entries per commune, grouped as the contest's figures count them (by
        the list's code, else by the text typed) and named as the list names them now: one page."""
        contest = self.store.contest(str(contest_id))
        return {"rows": self.store.participation(contest["_id"], self._communes()), "next": None}

    @rpc
    def round_results(self) -> dict:
        """Every player of today's live rounds in each round's final order, the oldest round first: one page."""
        rows = [{"round_id": doc["_id"], "created_at": doc["created_at"].isoformat(), "rank": rank,
                 "name": player["name"], "score": player["score"]}
                for doc in reversed(self.rounds.since(round_rules.day_start(mongo_now())))
                for rank, player in enumerate(self.rounds.ranking(doc["_id"]), start=1)]
        return {"rows": rows, "next": None}
    # The province's communes: entries follow the list the registration service holds ------

    @rpc
    def follow_communes(self, communes: list[dict]) -> dict:
        """Entries follow a (re)loaded list; how many typed communes were matched to it. Walk-ins pick from
        the new list at once (in this replica; in another, within COMMUNES' time)."""
        COMMUNES.forget(Source.REGISTRATION)
        return {"matched": self.store.follow_communes(CommuneList.from_docs(communes))}

    @rpc
    def unmatched_communes(self) -> dict[str, int]:
        """Typed communes no list entry matched yet, with how many entries gave each."""
        return self.store.unmatched_communes()

    @rpc
    def relabel_commune(self, text: str, commune: dict) -> dict:
        """An organiser's answer for a typed commune: every entry that typed it now has this one."""
        return {"relabelled": self.store.relabel_commune(str(text), Commune.from_doc(commune))}

    # Live rounds on the stage -------------------------------------------------------

    @rpc
    def create_round(self, question_count: int = 10, seconds: int = 20) -> dict:
        """A round in the lobby, with questions drawn from the bank; players join with its code."""
        if not is_whole_number(question_count, 1, round_rules.ROUND_QUESTIONS_MAX):
            raise ValidationFailed({"question_count": "invalid_number"})
        if not is_whole_number(seconds, round_rules.SECONDS_MIN, round_rules.SECONDS_MAX):
            raise ValidationFailed({"seconds": "invalid_number"})
        bank = self.store.bank()
        picked = _rng.sample(bank, min(question_count, len(bank)))
        questions = [{"id": q["_id"], "text": q["text"], "choices": q["choices"], "correct": q["correct"],
                      "explanation": q["explanation"]} for q in picked]
        return self.round_state(self.rounds.create(questions, seconds, mongo_now())["_id"])

    @rpc
    def join_round(self, round_id: str, name: str | None = None, attendee_code: str | None = None,
                   player_token: str | None = None) -> dict:
        """Join with a nickname or an attendee code; a returning token resumes with its score.

        A small constant cost however many joined: one read of the round, one insert; the phone gets
        its token and the open question, and its socket the rest (`round_state`). The big screen hears
        of new players from `announce_lobbies`."""
        round_id = normalise_code(str(round_id))
        code = None
        if attendee_code and not player_token:
            name, code = self._attendee(attendee_code)["name"], normalise_code(str(attendee_code))
        try:
            nickname = clean_text(name)[:round_rules.NICKNAME_MAX]
        except TypeError:
            nickname = ""
        if not nickname and not player_token:
            raise ValidationFailed({"name": "required"})
        returning = self.tokens.player_id(round_id, str(player_token)) if player_token else None
        doc = self.rounds.round(round_id)
        player, seated_now = self.rounds.join(round_id, nickname, returning, code)
        if seated_now:  # a returning token or badge keeps its seat and is not announced again
            self.lobby_news.joined(round_id, player["name"])
        state = round_rules.effective_state(doc["state"], doc["closes_at"], mongo_now())
        question = doc["questions"][doc["index"]] if state == round_rules.OPEN else None
        return {"round_id": round_id, "player_token": self.tokens.issue(round_id, player["_id"]),
                "name": player["name"], "state": state, "question": _public_question(question)}

    @timer(interval=ANNOUNCE_SECONDS)
    def announce_lobbies(self) -> None:
        """The rounds players joined since the last tick: their newest names and how many play now."""
        for round_id, names in self.lobby_news.take().items():
            self.publish(QuizPlayersJoined(round_id=round_id, names=names,
                                           players=self.rounds.player_count(round_id)))

    @rpc
    def stored_state(self, round_id: str) -> str:
        """The round's state as stored (an open question whose countdown ran out is still "open" here until
        its close is stored): a gateway waits on it for a close it sent behind the answers."""
        state: str = self.rounds.round(normalise_code(str(round_id)))["state"]
        return state

    @batch(Stream.ROUND)
    def take_round_commands(self, commands: list[dict]) -> None:
        """Answers and the MCs' closes, in the order the gateways took them. A close waits for every answer
        taken before it, so the histogram it announces is the stored truth."""
        answers: dict[str, list[dict]] = {}
        for command in commands:
            round_id = command["round_id"]
            if command["type"] == "answer":
                answers.setdefault(round_id, []).append(
                    {**command, "at": datetime.fromisoformat(command["at"])})
            elif command["type"] == "close":
                self._store_answers(round_id, answers.pop(round_id, []))
                self._close(round_id)
        for round_id, taken in answers.items():
            self._store_answers(round_id, taken)

    def _store_answers(self, round_id: str, taken: list[dict]) -> None:
        if not taken:
            return
        try:
            round_doc = self.rounds.round(round_id)
        except NotFound:  # a round this database never had (restored from an older backup): the answers
            log.warning("dropping %d answers to round %s, which is not stored", len(taken), round_id)
            return  # cannot be stored, and must not hold up the stream behind them
        for index, count in self.rounds.record_answers(round_doc, taken).items():
            self.publish(QuizAnswerReceived(round_id=round_id, index=index, answers=count))

    def _close(self, round_id: str) -> None:
        try:
            doc, changed = self.rounds.move(round_id, "close", mongo_now())
        except (Refused, NotFound) as refused:  # revealed or finished meanwhile: nothing to close
            log.info("close of %s not needed: %s", round_id, refused)
            return
        if changed:
            self._announce("close", doc)

    @rpc
    def host_round(self, round_id: str, action: str, index: int | None = None) -> dict:
        """The MC's controls: open question N, close it, reveal the answer, finish."""
        if errors := round_rules.host_errors(action, index):
            raise ValidationFailed(errors)
        doc, changed = self.rounds.move(normalise_code(str(round_id)), action, mongo_now(), index)
        if changed:  # else already done (a double tap, the countdown's own close): nothing to announce again
            self._announce(action, doc)
        return self.round_state(doc["_id"])

    def _announce(self, action: str, doc: dict) -> None:
        """Every screen of the round hears the MC's step."""
        question = doc["questions"][doc["index"]] if doc["index"] >= 0 else None
        event = {"round_id": doc["_id"], "index": doc["index"]}
        if action == "open":
            public = _public_question(question)
            assert public is not None  # an open question is a real one
            self.publish(QuizQuestionOpened(
                **event, question=public, opened_at=doc["opened_at"],
                closes_at=doc["closes_at"], total_questions=len(doc["questions"])))
        elif action == "close":
            self.publish(QuizQuestionClosed(**event, histogram=self._histogram(doc)))
        elif action == "reveal":
            assert question is not None
            self.publish(QuizAnswerRevealed(
                **event, correct=question["correct"], explanation=question["explanation"],
                leaderboard=self.rounds.leaderboard(doc["_id"])))
        elif action == "finish":
            self.publish(QuizRoundFinished(**event, leaderboard=self.rounds.leaderboard(doc["_id"]),
                                           players=self.rounds.player_count(doc["_id"])))

    @rpc
    def rounds_today(self) -> list[dict]:
        """The MCs' list of today's rounds, newest first: to resume one, or see how each went."""
        now = mongo_now()
        return [{"round_id": doc["_id"], "created_at": doc["created_at"].isoformat(),
                 "state": round_rules.effective_state(doc["state"], doc["closes_at"], now), "players": doc["players"],
                 "questions": len(doc["questions"])} for doc in self.rounds.since(round_rules.day_start(now))]

    def _histogram(self, doc: dict) -> list[int]:
        question = doc["questions"][doc["index"]]
        return round_rules.histogram(len(question["choices"]), self.rounds.choices_made(doc["_id"], doc["index"]))

    @rpc
    def round_state(self, round_id: str, player_token: str | None = None) -> dict:
        """Everything a screen needs after a (re)connect: where the round is, and the player's score."""
        doc = self.rounds.round(normalise_code(str(round_id)))
        now = mongo_now()
        state = round_rules.effective_state(doc["state"], doc["closes_at"], now)
        index = doc["index"]
        question = doc["questions"][index] if index >= 0 else None
        snapshot: dict = {"round_id": doc["_id"], "state": state, "index": index, "seconds": doc["seconds"],
                          "total_questions": len(doc["questions"]), "now": now.isoformat(),
                          "opened_at": doc["opened_at"].isoformat() if doc["opened_at"] else None,
                          "closes_at": doc["closes_at"].isoformat() if doc["closes_at"] else None,
                          "question": _public_question(question) if question and state != round_rules.LOBBY else None,
                          "answers": doc["answers"].get(str(index), 0)}
        if not player_token:  # the big screen's lobby; a phone has no use for it
            snapshot["players"] = lobby_storage.lobby(self.rounds, doc["_id"])
        if question and state in (round_rules.CLOSED, round_rules.REVEALED):
            snapshot["histogram"] = self._histogram(doc)
        if question and state == round_rules.REVEALED:
            snapshot |= {"correct": question["correct"], "explanation": question["explanation"]}
        if state in (round_rules.REVEALED, round_rules.FINISHED):
            snapshot["leaderboard"] = self.rounds.leaderboard(doc["_id"])
        if player_token:
            snapshot["player"] = self._player_view(doc, state, str(player_token))
        return snapshot

    def _player_view(self, doc: dict, state: str, player_token: str) -> dict:
        """The player's own answer, score and standing, none of which may tell the answer before the reveal."""
        player = self.rounds.player(doc["_id"], self.tokens.player_id(doc["_id"], player_token))
        mine = self.rounds.players_answer(doc["_id"], doc["index"], player["_id"]) if doc["index"] >= 0 else None
        score = player["score"]
        if mine and state not in (round_rules.REVEALED, round_rules.FINISHED):
            score -= mine.pop("points")  # the points would tell whether it was right before the reveal
        view = {"name": player["name"], "score": None if state == round_rules.OPEN else score, "answer": mine}
        if state in (round_rules.REVEALED, round_rules.FINISHED):
            view |= round_rules.standing(score, *self.rounds.standing(doc["_id"], score))
        return view

    # Personal data ------------------------------------------------------------------

    @staticmethod
    def _keys(person: Person) -> list[str]:
        """The participant keys a person's entries may be under: their badge code, their phone."""
        return [f"{prefix}{value}" for prefix, value in ((ATTENDEE_KEY, person.attendee_code),
                                                         (PHONE_KEY, person.phone)) if value]

    def held(self, person: Person) -> dict:
        return {"contest_entries": self.store.held(self._keys(person)),
                "round_players": self.rounds.held(person.attendee_code) if person.attendee_code else []}

    def forget(self, person: Person | None) -> None:
        if person is None:
            self.store.forget(None)
            self.rounds.forget(None)
            return
        self.store.forget(self._keys(person))
        if person.attendee_code:
            self.rounds.forget(person.attendee_code)
