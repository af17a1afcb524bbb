"""The big screen's lobby: each new player is announced once, a returning one never, and the state names them."""
import pytest

from shared.errors import NotFound, ValidationFailed
from shared.events import QuizPlayerJoined
from tests.services.helpers import call, call_concurrently, published


def joins(publish) -> list[dict]:
    """The player-joined events published so far."""
    return published(publish, QuizPlayerJoined)


def test_a_new_player_is_announced_once_and_a_returning_token_never(announced):
    container, publish = announced
    round_id = call(container, "create_round", question_count=2, seconds=30)["round_id"]
    mai = call(container, "join_round", round_id=round_id.lower(), name="Mai")
    assert joins(publish) == [{"round_id": round_id, "name": "Mai", "players": 1}]
    assert "player_token" not in str(publish.call_args_list)  # the secret token never leaves with the event

    # A reload, a lost signal, a retried request: the same token comes back, nobody new joined.
    for _ in range(3):
        again = call(container, "join_round", round_id=round_id, name="Mai", player_token=mai["player_token"])
        assert again["player_token"] == mai["player_token"]
    call(container, "join_round", round_id=round_id, player_token=mai["player_token"])
    call(container, "host_round", round_id=round_id, action="open", index=0)
    call(container, "join_round", round_id=round_id, player_token=mai["player_token"])
    assert len(joins(publish)) == 1

    # Two people may pick the same nickname: each is a new player, announced once.
    call(container, "join_round", round_id=round_id, name="Mai")
    call(container, "join_round", round_id=round_id, name="<b>Páo</b>")
    assert joins(publish)[1:] == [{"round_id": round_id, "name": "Mai", "players": 2},
                                   {"round_id": round_id, "name": "<b>Páo</b>", "players": 3}]
    state = call(container, "round_state", round_id=round_id)
    assert state["players"]["count"] == 3
    assert sorted(state["players"]["names"]) == ["<b>Páo</b>", "Mai", "Mai"]


def test_players_joining_at_once_are_each_announced_and_the_last_count_is_exact(announced, config):
    container, publish = announced
    round_id = call(container, "create_round", question_count=2, seconds=30)["round_id"]
    call_concurrently(config, "quiz", "join_round", 30, lambda i: {"round_id": round_id, "name": f"Người {i}"})
    announced = joins(publish)
    assert sorted(j["name"] for j in announced) == sorted(f"Người {i}" for i in range(30))
    # Joins in the same moment may see the same total, but the highest seen is everyone.
    assert max(j["players"] for j in announced) == 30
    assert all(1 <= j["players"] <= 30 for j in announced)
    assert call(container, "round_state", round_id=round_id)["players"]["count"] == 30


def test_a_refused_join_announces_nothing(announced):
    container, publish = announced
    round_id = call(container, "create_round", question_count=2, seconds=30)["round_id"]
    for bad in ("", "   ", None):
        with pytest.raises(ValidationFailed) as refused:
            call(container, "join_round", round_id=round_id, name=bad)
        assert refused.value.args[0] == {"name": "required"}
    with pytest.raises(NotFound):
        call(container, "join_round", round_id="NOSUCH", name="Mai")
    assert joins(publish) == []
    assert call(container, "round_state", round_id=round_id)["players"] == {"count": 0, "names": []}
