"""Live rounds' collections: rounds, their players and answers (one per player and question)."""
import secrets
from datetime import datetime
from functools import partial

from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from services.quiz.round_rules import LOBBY, answer_points, plan_move, seat_key
from shared.codes import new_code
from shared.errors import NotFound, Refused
from shared.mongo import MongoProvider, MongoRepository
from shared.privacy import PSEUDONYM

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

    def join(self, round_id: str, name: str, player_id: str | None,
             attendee_code: str | None = None) -> tuple[dict, bool]:
        """(The player, whether they took a seat just now): a new player, or the same one again when their
        token comes back (a reload, a lost signal).

        One insert: the round's document is not touched, and the unique index refuses a nickname
        the round has already (Refused "name_taken"), however many join at the same moment. A badge
        that joined already gets its seat back (a phone that lost its token)."""
        if player_id:
            found = self._seated(round_id, player_id)
            if found:
                return found, False
            if not name:
                raise NotFound("player")  # a token of a player this database no longer holds
        player = {"_id": secrets.token_urlsafe(12), "round_id": round_id, "name": name,
                  "name_key": seat_key(name, attendee_code), "score": 0}
        if attendee_code:  # so the attendee can see and erase what they played under their badge
            player["attendee_code"] = attendee_code
        try:
            self.guard(lambda: self.db[PLAYERS].insert_one(player))
        except DuplicateKeyError:
            seated = self.guard(lambda: self.db[PLAYERS].find_one(
                {"round_id": round_id, "name_key": player["name_key"]})) if attendee_code else None
            if seated is None:
                raise Refused("name_taken") from None
            return seated, False
        return player, True

    def player(self, round_id: str, player_id: str) -> dict:
        found = self._seated(round_id, player_id)
        if found is None:
            raise NotFound("player")
        return found

    def _seated(self, round_id: str, player_id: str) -> dict | None:
        """The round's player with this id, read by the id alone: SecantusDB scans the players past a filter
        on `_id` and `round_id` together."""
        found = self.guard(lambda: self.db[PLAYERS].find_one({"_id": player_id}))
        return found if found is not None and found["round_id"] == round_id else None

    def record_answers(self, round_doc: dict, answers: list[dict]) -> dict[int, int]:
        """Store a batch of one round's answers, each player's first answer to a question once; points
        follow the time the gateway took each one. Returns each question's answer count.

        No transaction: the answers go in with one insert_many against the unique ids (a copy is
        dropped), then every total is recomputed from what is stored and set, never added to. So a
        batch written twice (redelivered after a crash at any point) leaves the same scores and counts,
        and no transaction of a killed process can hold the next one up.
        A late answer or an unknown choice is dropped: the gateway refused it already."""
        round_id = round_doc["_id"]
        scored: dict[str, dict] = {}
        for given in answers:
            try:
                earned = answer_points(round_doc, given["index"], given["choice"], given["at"])
            except Refused:
                continue
            answer_id = f"{round_id}:{given['index']}:{given['player']}"
            scored.setdefault(answer_id, {"_id": answer_id, "round_id": round_id, "index": given["index"],
                                          "player": given["player"], "choice": given["choice"], "points": earned,
                                          "at": given["at"]})
        if not scored:
            return {}
        self.insert_new(ANSWERS, list(scored.values()))
        players = sorted({doc["player"] for doc in scored.values()})
        totals = self.guard(lambda: list(self.db[ANSWERS].aggregate([
            {"$match": {"round_id": round_id, "player": {"$in": players}}},
            {"$group": {"_id": "$player", "score": {"$sum": "$points"}}}])))
        self.guard(partial(self.db[PLAYERS].bulk_write, [
            UpdateOne({"_id": total["_id"]}, {"$set": {"score": total["score"]}}) for total in totals], ordered=False))
        counts = {index: self.guard(partial(self.db[ANSWERS].count_documents, {"round_id": round_id, "index": index}))
                  for index in sorted({doc["index"] for doc in scored.values()})}
        self.guard(partial(self.db[ROUNDS].update_one, {"_id": round_id},
                           {"$set": {f"answers.{index}": count for index, count in counts.items()}}))
        return counts

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
        return self.ranking(round_id, LEADERBOARD_SIZE)

    def ranking(self, round_id: str, limit: int = 0) -> list[dict]:
        """The round's players, the highest score first (equal scores in a fixed order); `limit` 0: all."""
        top = self.guard(lambda: list(self.db[PLAYERS].find({"round_id": round_id}, {"name": 1, "score": 1})
                                      .sort([("score", DESCENDING), ("_id", ASCENDING)]).limit(limit)))
        return [{"name": p["name"], "score": p["score"]} for p in top]


    def held(self, attendee_code: str) -> list[dict]:
        return self.guard(lambda: list(self.db[PLAYERS].find({"attendee_code": attendee_code},
                                                             {"_id": 0, "round_id": 1, "name": 1, "score": 1})))

    def forget(self, attendee_code: str | None) -> None:
        """Nicknames and the keys made of them go (one attendee's, or everyone's); scores and places stay."""
        query = {"attendee_code": attendee_code} if attendee_code else {}
        self.guard(lambda: self.db[PLAYERS].update_many(query, {"$set": {"name": PSEUDONYM},
                                                                "$unset": {"attendee_code": "", "name_key": ""}}))


class RoundStore(MongoProvider):
    repository_class = RoundRepository

    def prepare(self, repository: MongoRepository) -> None:
        repository.db[ANSWERS].create_index([("round_id", ASCENDING), ("index", ASCENDING), ("player", ASCENDING)],
                                            unique=True, name="one_answer_per_question")
        # A batch's earlier answers by its players: SecantusDB uses an index only when the query's fields lead it.
        repository.db[ANSWERS].create_index([("round_id", ASCENDING), ("player", ASCENDING)])
        repository.db[PLAYERS].create_index([("round_id", ASCENDING), ("score", DESCENDING)])
        # Players stored before nicknames were unique have no key, and are left as they are.
        repository.db[PLAYERS].create_index([("round_id", ASCENDING), ("name_key", ASCENDING)], unique=True,
                                            partialFilterExpression={"name_key": {"$exists": True}},
                                            name="one_nickname_per_round")
        repository.db[ROUNDS].create_index([("created_at", DESCENDING)])
