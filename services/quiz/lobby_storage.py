"""Who joined a live round, for the big screen's lobby; reads the rounds' own players collection."""
from services.quiz.lobby_news import LOBBY_NAMES_MAX
from services.quiz.round_storage import PLAYERS, RoundRepository


def lobby(rounds: RoundRepository, round_id: str) -> dict:
    """The number of players and some of their nicknames (never their tokens)."""
    names = rounds.guard(lambda: [p["name"] for p in rounds.db[PLAYERS].find(
        {"round_id": round_id}, {"_id": 0, "name": 1}).limit(LOBBY_NAMES_MAX)])
    return {"count": rounds.player_count(round_id), "names": names}
