"""Live rounds on the stage: answers timed at the gateway, stored in batches, from many players at once."""
from datetime import datetime, timedelta
from unittest.mock import patch

import pytest
from kombu import Connection
from kombu.pools import producers

from services.quiz.service import QuizService
from shared.commands import Stream, exchange, queue
from shared.errors import Refused
from shared.events import QuizQuestionClosed, QuizRoundFinished
from shared.mongo import mongo_now
from tests.services.conftest import ROUND_QUESTIONS
from tests.services.helpers import answer, answer_command, call, published
from tests.waiting import wait_until


@pytest.fixture
def quiz(container_factory, config, registration):
    container = container_factory(QuizService, config)
    container.start()
    call(container, "import_bank", rows=ROUND_QUESTIONS)
    return container


def test_many_players_answering_in_the_same_second_are_each_counted_once(quiz, config):
    """Through the broker, as gateways hand answers on: batches, each player's first answer counted once."""
    round_id = call(quiz, "create_round", question_count=3, seconds=30)["round_id"]
    players = [call(quiz, "join_round", round_id=round_id, name=f"Người {i}")["player_token"] for i in range(60)]
    opened = call(quiz, "host_round", round_id=round_id, action="open", index=0)
    assert "correct" not in opened and "correct" not in opened["question"]
    correct_index = right_choice(opened)

    # Every player taps at once, and a third of them tap twice (the second tap is a wrong answer).
    commands = [answer_command(config, players[i], 0, correct_index if i % 3 else (correct_index + 1) % 4)
                for i in range(60)]
    commands += [answer_command(config, players[i], 0, (correct_index + 2) % 4) for i in range(0, 60, 3)]
    with Connection(config["AMQP_URI"]) as connection, producers[connection].acquire(block=True) as producer:
        for command in commands:
            producer.publish(command, exchange=exchange(), routing_key=str(Stream.ROUND),
                             declare=[queue(Stream.ROUND)], serializer="json", delivery_mode=2)
    state = wait_until(lambda: call(quiz, "round_state", round_id=round_id), lambda s: s["answers"] == 60, 20)
    assert state["answers"] == 60
    call(quiz, "host_round", round_id=round_id, action="close")
    revealed = call(quiz, "host_round", round_id=round_id, action="reveal")
    assert sum(revealed["histogram"]) == 60 and revealed["histogram"][correct_index] == 40
    assert revealed["correct"] == correct_index and len(revealed["leaderboard"]) == 10
    assert all(500 <= row["score"] <= 1000 for row in revealed["leaderboard"])


def test_a_player_who_reconnects_resumes_with_their_score_and_answer(quiz, config):
    round_id = call(quiz, "create_round", question_count=2, seconds=30)["round_id"]
    joined = call(quiz, "join_round", round_id=round_id.lower(), name="Páo")
    token = joined["player_token"]
    opened = call(quiz, "host_round", round_id=round_id, action="open", index=0)
    right = "ABCD".index(next(q["correct"] for q in ROUND_QUESTIONS if q["id"] == opened["question"]["id"]))
    answer(quiz, config, token, 0, right)
    assert call(quiz, "join_round", round_id=round_id, player_token=token)["player_token"] == token
    during = call(quiz, "round_state", round_id=round_id, player_token=token)  # what the phone's socket brings
    assert during["player"]["answer"] == {"choice": right}
    assert during["player"]["score"] is None  # no hint before the reveal
    call(quiz, "host_round", round_id=round_id, action="close")
    call(quiz, "host_round", round_id=round_id, action="reveal")
    after = call(quiz, "round_state", round_id=round_id, player_token=token)
    assert after["player"]["score"] == after["player"]["answer"]["points"] > 900


def test_late_answers_are_not_stored_and_out_of_order_controls_are_refused(quiz, config):
    round_id = call(quiz, "create_round", question_count=2, seconds=30)["round_id"]
    token = call(quiz, "join_round", round_id=round_id, name="An")["player_token"]
    with pytest.raises(Refused):
        call(quiz, "host_round", round_id=round_id, action="reveal")
    opened = call(quiz, "host_round", round_id=round_id, action="open", index=0)
    with pytest.raises(Refused):
        call(quiz, "host_round", round_id=round_id, action="open", index=1)
    # A gateway refuses a late answer itself; one that reaches the service anyway is not stored.
    late = datetime.fromisoformat(opened["closes_at"]) + timedelta(milliseconds=1)
    answer(quiz, config, token, 0, 0, at=late)
    assert call(quiz, "round_state", round_id=round_id, player_token=token)["player"]["answer"] is None


def test_answers_to_a_round_the_database_does_not_hold_do_not_hold_up_the_others(quiz, config):
    """After a restore from an older backup, answers to a round it lacks are dropped, not retried for ever."""
    round_id = call(quiz, "create_round", question_count=2, seconds=30)["round_id"]
    token = call(quiz, "join_round", round_id=round_id, name="An")["player_token"]
    call(quiz, "host_round", round_id=round_id, action="open", index=0)
    lost = {**answer_command(config, token, 0, 1), "round_id": "ZZZZZZ"}
    call(quiz, "take_round_commands", commands=[lost, answer_command(config, token, 0, 1)])
    assert call(quiz, "round_state", round_id=round_id, player_token=token)["player"]["answer"] == {"choice": 1}


def right_choice(opened: dict) -> int:
    return "ABCD".index(next(q["correct"] for q in ROUND_QUESTIONS if q["id"] == opened["question"]["id"]))


def test_a_question_the_countdown_closed_is_announced_once_and_closing_again_is_no_error(announced):
    quiz, publish = announced
    round_id = call(quiz, "create_round", question_count=2, seconds=20)["round_id"]
    opened = call(quiz, "host_round", round_id=round_id, action="open", index=0)
    after_countdown = datetime.fromisoformat(opened["closes_at"]) + timedelta(milliseconds=5)
    with patch("services.quiz.service.mongo_now", return_value=after_countdown):
        first = call(quiz, "host_round", round_id=round_id, action="close")
        again = call(quiz, "host_round", round_id=round_id, action="close")
    assert first["state"] == again["state"] == "closed"
    assert published(publish, QuizQuestionClosed) == [{"round_id": round_id, "index": 0, "histogram": [0, 0, 0, 0]}]
    call(quiz, "host_round", round_id=round_id, action="reveal")
    call(quiz, "host_round", round_id=round_id, action="reveal")  # a double tap
    assert call(quiz, "host_round", round_id=round_id, action="open", index=1)["index"] == 1
    assert call(quiz, "host_round", round_id=round_id, action="open", index=1)["index"] == 1


def test_finish_announces_the_final_top_list_and_the_mc_starts_a_second_round(announced, config):
    quiz, publish = announced
    first = call(quiz, "create_round", question_count=2, seconds=30)["round_id"]
    tokens = {name: call(quiz, "join_round", round_id=first, name=name)["player_token"] for name in ("An", "Bình")}
    opened = call(quiz, "host_round", round_id=first, action="open", index=0)
    answer(quiz, config, tokens["An"], 0, right_choice(opened))
    call(quiz, "host_round", round_id=first, action="close")
    call(quiz, "host_round", round_id=first, action="reveal")
    finished = call(quiz, "host_round", round_id=first, action="finish")
    assert finished["state"] == "finished"
    [event] = published(publish, QuizRoundFinished)
    an = finished["leaderboard"][0]
    assert event == {"round_id": first, "index": 0, "players": 2, "leaderboard": finished["leaderboard"]}
    assert [row["name"] for row in event["leaderboard"]] == ["An", "Bình"] and an["score"] > 500
    with pytest.raises(Refused):
        call(quiz, "host_round", round_id=first, action="open", index=1)

    second = call(quiz, "create_round", question_count=1, seconds=10)["round_id"]
    today = call(quiz, "rounds_today")
    assert [(r["round_id"], r["state"], r["players"], r["questions"]) for r in today] == [
        (second, "lobby", 0, 1), (first, "finished", 2, 2)]
    assert all(datetime.fromisoformat(r["created_at"]) <= mongo_now() for r in today)


def test_after_the_reveal_each_player_sees_their_place_and_the_gap_to_the_one_above(quiz, config):
    round_id = call(quiz, "create_round", question_count=1, seconds=30)["round_id"]
    tokens = [call(quiz, "join_round", round_id=round_id, name=f"P{i}")["player_token"] for i in range(3)]
    opened = call(quiz, "host_round", round_id=round_id, action="open", index=0)
    right = right_choice(opened)
    for token, choice in zip(tokens, (right, right, (right + 1) % 4), strict=True):
        answer(quiz, config, token, 0, choice)
    closed = call(quiz, "host_round", round_id=round_id, action="close")
    assert closed["state"] == "closed"
    during = call(quiz, "round_state", round_id=round_id, player_token=tokens[0])["player"]
    assert during["score"] == 0 and "rank" not in during  # nothing tells the answer before the reveal
    call(quiz, "host_round", round_id=round_id, action="reveal")
    views = [call(quiz, "round_state", round_id=round_id, player_token=t)["player"] for t in tokens]
    first, second = sorted(views[:2], key=lambda v: -v["score"])
    assert first["rank"] == 1 and first["behind"] is None
    assert second["rank"] == (1 if second["score"] == first["score"] else 2)
    assert second["behind"] == (None if second["score"] == first["score"] else first["score"] - second["score"])
    assert views[2] == {"name": "P2", "score": 0, "answer": {"choice": (right + 1) % 4, "points": 0},
                        "rank": 3, "behind": second["score"]}
