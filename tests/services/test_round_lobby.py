"""The big screen's lobby: new players are announced in one event per round and tick, a returning one
never; nicknames are unique per round; the state names them."""
import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from shared.errors import NotFound, Refused, ValidationFailed
from shared.events import QuizPlayersJoined
from tests.services.helpers import call, call_concurrently, published


def joins(container, publish) -> list[dict]:
    """The players-joined events published so far, once the news still held is announced too."""
    call(container, "announce_lobbies")
    return published(publish, QuizPlayersJoined)


def names(announced: list[dict]) -> list[str]:
    return [name for event in announced for name in event["names"]]


def test_a_new_player_is_announced_once_and_a_returning_token_never(announced):
    container, publish = announced
    round_id = call(container, "create_round", question_count=2, seconds=30)["round_id"]
    mai = call(container, "join_round", round_id=round_id.lower(), name="Mai")
    assert mai == {"round_id": round_id, "player_token": mai["player_token"], "name": "Mai", "state": "lobby",
                   "question": None}
    assert joins(container, publish) == [{"round_id": round_id, "names": ["Mai"], "players": 1}]
    assert "player_token" not in str(publish.call_args_list)  # the secret token never leaves with the event

    # A reload, a lost signal, a retried request: the same token comes back, nobody new joined.
    for _ in range(3):
        again = call(container, "join_round", round_id=round_id, name="Mai", player_token=mai["player_token"])
        assert again["player_token"] == mai["player_token"]
    call(container, "join_round", round_id=round_id, player_token=mai["player_token"])
    opened = call(container, "host_round", round_id=round_id, action="open", index=0)
    during = call(container, "join_round", round_id=round_id, player_token=mai["player_token"])
    assert (during["state"], during["question"]) == ("open", opened["question"])  # the phone can answer at once
    assert len(joins(container, publish)) == 1

    call(container, "join_round", round_id=round_id, name="<b>Páo</b>")
    assert joins(container, publish)[1:] == [{"round_id": round_id, "names": ["<b>Páo</b>"], "players": 2}]
    state = call(container, "round_state", round_id=round_id)
    assert state["players"] == {"count": 2, "names": ["Mai", "<b>Páo</b>"]}
    assert "players" not in call(container, "round_state", round_id=round_id, player_token=mai["player_token"])


def test_two_attendees_sharing_a_name_each_join_with_their_badge_and_a_badge_keeps_its_seat(announced, registration):
    container, _ = announced
    round_id = call(container, "create_round", question_count=2, seconds=30)["round_id"]
    first, second = (call(registration, "register", consent=True, name="Lò Thị Mai")["code"] for _ in range(2))
    seat = call(container, "join_round", round_id=round_id, attendee_code=first)
    other = call(container, "join_round", round_id=round_id, attendee_code=second)
    assert seat["name"] == other["name"] == "Lò Thị Mai" and seat["player_token"] != other["player_token"]
    # A phone that lost its token joins with the same badge: the same seat, not a second player.
    again = call(container, "join_round", round_id=round_id, attendee_code=first)
    assert again["player_token"] == seat["player_token"]
    assert call(container, "round_state", round_id=round_id)["players"]["count"] == 2


def test_a_nickname_the_round_has_already_is_refused_in_any_case(announced):
    container, publish = announced
    round_id = call(container, "create_round", question_count=2, seconds=30)["round_id"]
    other = call(container, "create_round", question_count=2, seconds=30)["round_id"]
    call(container, "join_round", round_id=round_id, name="Mai")
    for same in ("Mai", "mai", "  MAI "):
        with pytest.raises(Refused) as refused:
            call(container, "join_round", round_id=round_id, name=same)
        assert refused.value.args[0] == "name_taken"
    call(container, "join_round", round_id=other, name="Mai")  # another round's Mai is another player
    assert sorted((e["round_id"], e["names"], e["players"]) for e in joins(container, publish)) == sorted(
        [(round_id, ["Mai"], 1), (other, ["Mai"], 1)])


def test_players_joining_at_once_are_announced_together_and_the_count_is_exact(announced, config):
    container, publish = announced
    round_id = call(container, "create_round", question_count=2, seconds=30)["round_id"]
    call_concurrently(config, "quiz", "join_round", 30, lambda i: {"round_id": round_id, "name": f"Người {i}"})
    announced = joins(container, publish)
    assert sorted(names(announced)) == sorted(f"Người {i}" for i in range(30))
    assert announced[-1]["players"] == 30
    assert len(announced) < 30, "joins at the same moment share an event"
    assert call(container, "round_state", round_id=round_id)["players"]["count"] == 30


def test_people_choosing_the_same_nickname_at_once_get_one_seat(announced, config):
    container, publish = announced
    round_id = call(container, "create_round", question_count=2, seconds=30)["round_id"]

    def join(i: int) -> str:
        with ServiceRpcProxy("quiz", config) as proxy:
            try:
                return proxy.join_round(round_id=round_id, name="Lò Thị Mai" if i % 2 else "lò thị MAI")["name"]
            except Refused as refused:
                return str(refused.args[0])
    seated = [name for name in eventlet.GreenPool(8).imap(join, range(8)) if name != "name_taken"]
    assert len(seated) == 1 and seated[0] in ("Lò Thị Mai", "lò thị MAI")
    assert names(joins(container, publish)) == seated


def test_a_refused_join_announces_nothing(announced):
    container, publish = announced
    round_id = call(container, "create_round", question_count=2, seconds=30)["round_id"]
    for bad in ("", "   ", None):
        with pytest.raises(ValidationFailed) as refused:
            call(container, "join_round", round_id=round_id, name=bad)
        assert refused.value.args[0] == {"name": "required"}
    with pytest.raises(NotFound):
        call(container, "join_round", round_id="NOSUCH", name="Mai")
    assert joins(container, publish) == []
    assert call(container, "round_state", round_id=round_id)["players"] == {"count": 0, "names": []}
