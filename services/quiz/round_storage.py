"""Live rounds' collections: rounds, their players and answers (one per player and question)."""
import secrets
from datetime import datetime
from functools import partial

from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.client_session import ClientSession
from pymongo.errors import DuplicateKeyError

from services.quiz.round_rules import LOBBY, answer_points, plan_move
from shared.codes import new_code
from shared.errors import NotFound, Refused
from shared.mongo import MongoProvider, MongoRepository

ROUNDS, PLAYERS, ANSWERS = "rounds", "round_players", "round_answers"
ROUND_CODE_LENGTH = 6
LEADERBOARD_SIZE = 10


class RoundRepository(MongoRepository):
    def create(self, questions: list[dict], seconds: int, now: datetime) -> dict:
        """A round in the lobby; its id is a short code players type to join."""
        for _ in range(5):
            doc = {"_id": new_code(ROUND_CODE_LENGTH), "questions": questions, "seconds": seconds, "state": LOBBY,
                   "index": -1, "opened_at": None, "closes_at": None, "answers": {}, "created_at": now}
            try:
                self.guard(partial(self.db[ROUNDS].insert_one, doc))
                return doc
            except DuplicateKeyError:
                continue
        raise Refused("no_round_code")

    def round(self, round_id: str) -> dict:
        doc = self.guard(lambda: self.db[ROUNDS].find_one({"_id": round_id}))
        if doc is None:
            raise NotFound("round")
        return doc

    def move(self, round_id: str, action: str, now: datetime, index: int | None = None) -> tuple[dict, bool]:
        """The MC's next step if the round's state allows it: (the round, whether it changed).

        When another MC screen moved first, the rules decide again on what it stored.
        """
        for _ in range(2):
            current = self.round(round_id)
            move = plan_move(action, current, index, now)
            if move is None:
                return current, False
            doc = self.guard(partial(
                self.db[ROUNDS].find_one_and_update,
                {"_id": round_id, "state": current["state"], "index": current["index"]}, {"$set": move.changes()},
                return_document=ReturnDocument.AFTER))
            if doc is not None:
                return doc, True
        raise Refused(f"cannot_{action}")

    def since(self, start: datetime) -> list[dict]:
        """Rounds made from `start` on, newest first, each with how many players joined."""
        found = self.guard(lambda: list(self.db[ROUNDS].find({"created_at": {"$gte": start}})
                                        .sort([("created_at", DESCENDING)])))
        for doc in found:
            doc["players"] = self.player_count(doc["_id"])
        return found

    def player_count(self, round_id: str) -> int:
        return self.guard(lambda: self.db[PLAYERS].count_documents({"round_id": round_id}))

    def join(self, round_id: str, name: str, player_id: str | None) -> dict:
        """A new player, or the same one again when their token comes back (a reload, a lost signal)."""
        self.round(round_id)
        if player_id:
            found = self.guard(lambda: self.db[PLAYERS].find_one({"_id": player_id, "round_id": round_id}))
            if found:
                return found
            if not name:
                raise NotFound("player")  # a token of a player this database no longer holds
        player = {"_id": secrets.token_urlsafe(12), "round_id": round_id, "name": name, "score": 0}
        self.guard(lambda: self.db[PLAYERS].insert_one(player))
        return player

    def player(self, round_id: str, player_id: str) -> dict:
        found = self.guard(lambda: self.db[PLAYERS].find_one({"_id": player_id, "round_id": round_id}))
        if found is None:
            raise NotFound("player")
        return found

    def record_answers(self, round_doc: dict, answers: list[dict]) -> dict[int, int]:
        """Store a batch of one round's answers in one transaction, each player's answer to a question once;
        points follow the time the gateway took each one. Returns the questions whose count grew, with
        their new count. A late answer or an unknown choice is dropped: the gateway refused it already."""
        scored: dict[str, dict] = {}
        for given in answers:
            try:
                earned = answer_points(round_doc, given["index"], given["choice"], given["at"])
            except Refused:
                continue
            answer_id = f"{round_doc['_id']}:{given['index']}:{given['player']}"
            scored.setdefault(answer_id, {"_id": answer_id, "round_id": round_doc["_id"], "index": given["index"],
                                          "player": given["player"], "choice": given["choice"], "points": earned,
                                          "at": given["at"]})

        def write(session: ClientSession) -> dict[int, int]:
            known = {doc["_id"] for doc in self.db[ANSWERS].find({"_id": {"$in": list(scored)}}, {"_id": 1},
                                                                 session=session)}
            new = [doc for answer_id, doc in scored.items() if answer_id not in known]
            if not new:
                return {}
            self.db[ANSWERS].insert_many(new, ordered=False, session=session)
            scores = [UpdateOne({"_id": doc["player"]}, {"$inc": {"score": doc["points"]}})
                      for doc in new if doc["points"]]
            if scores:
                self.db[PLAYERS].bulk_write(scores, ordered=False, session=session)
            grown: dict[int, int] = {}
            for doc in new:
                grown[doc["index"]] = grown.get(doc["index"], 0) + 1
            counted = self.db[ROUNDS].find_one_and_update(
                {"_id": round_doc["_id"]}, {"$inc": {f"answers.{index}": n for index, n in grown.items()}},
                return_document=ReturnDocument.AFTER, session=session)
            assert counted is not None  # the round was read above and rounds are never deleted
            return {index: counted["answers"][str(index)] for index in grown}
        for _ in range(3):
            try:
                return self.in_transaction(write)
            except DuplicateKeyError:
                continue  # another consumer stored some first: read what is known again
        raise Refused("answers_conflict")

    def choices_made(self, round_id: str, index: int) -> list[int]:
        return [a["choice"] for a in self.guard(lambda: list(self.db[ANSWERS].find(
            {"round_id": round_id, "index": index}, {"choice": 1})))]

    def players_answer(self, round_id: str, index: int, player_id: str) -> dict | None:
        return self.guard(lambda: self.db[ANSWERS].find_one(
            {"round_id": round_id, "index": index, "player": player_id}, {"_id": 0, "choice": 1, "points": 1}))

    def standing(self, round_id: str, score: int) -> tuple[int, int | None]:
        """How many players of the round have more points, and the lowest such score."""
        higher = {"round_id": round_id, "score": {"$gt": score}}
        count = self.guard(lambda: self.db[PLAYERS].count_documents(higher))
        nearest = self.guard(lambda: self.db[PLAYERS].find_one(higher, {"score": 1}, sort=[("score", ASCENDING)]))
        return count, nearest["score"] if nearest else None

    def leaderboard(self, round_id: str) -> list[dict]:
        top = self.guard(lambda: list(self.db[PLAYERS].find({"round_id": round_id}, {"name": 1, "score": 1})
                                      .sort([("score", DESCENDING), ("_id", ASCENDING)]).limit(LEADERBOARD_SIZE)))
        return [{"name": p["name"], "score": p["score"]} for p in top]


class RoundStore(MongoProvider):
    repository_class = RoundRepository

    def prepare(self, repository: MongoRepository) -> None:
        repository.db[ANSWERS].create_index([("round_id", ASCENDING), ("index", ASCENDING), ("player", ASCENDING)],
                                            unique=True, name="one_answer_per_question")
        repository.db[PLAYERS].create_index([("round_id", ASCENDING), ("score", DESCENDING)])
        repository.db[ROUNDS].create_index([("created_at", DESCENDING)])
