"""Live rounds on the stage: server-timed answers from many players in the same second."""
import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.quiz.service import QuizService
from shared.errors import Refused
from tests.services.helpers import call

QUESTIONS = [{"id": f"q{i}", "text": {"vi": f"Câu {i}?"}, "choices": [{"vi": x} for x in "ABCD"],
              "correct": "ABCD"[i % 4]} for i in range(5)]


@pytest.fixture
def quiz(container_factory, config, registration):
    container = container_factory(QuizService, config)
    container.start()
    call(container, "import_bank", rows=QUESTIONS)
    return container


def test_many_players_answering_in_the_same_second_are_each_counted_once(quiz, config):
    round_id = call(quiz, "create_round", question_count=3, seconds=30)["round_id"]
    players = [call(quiz, "join_round", round_id=round_id, name=f"Người {i}")["player_token"] for i in range(60)]
    opened = call(quiz, "host_round", round_id=round_id, action="open", index=0)
    assert "correct" not in opened and "correct" not in opened["question"]
    correct = next(q["correct"] for q in QUESTIONS if q["id"] == opened["question"]["id"])
    correct_index = "ABCD".index(correct)

    def answer(i: int) -> str:
        with ServiceRpcProxy("quiz", config) as proxy:
            choice = correct_index if i % 3 else (correct_index + 1) % 4
            try:
                proxy.answer_live(round_id=round_id, player_token=players[i % 60], index=0, choice=choice)
                return "ok"
            except Refused as refused:
                return refused.args[0]

    # Every player taps at once, and a third of them tap twice.
    outcomes = list(eventlet.GreenPool(80).imap(answer, [*range(60), *range(0, 60, 3)]))
    assert outcomes.count("ok") == 60 and outcomes.count("already_answered") == 20
    call(quiz, "host_round", round_id=round_id, action="close")
    revealed = call(quiz, "host_round", round_id=round_id, action="reveal")
    assert sum(revealed["histogram"]) == 60 and revealed["histogram"][correct_index] == 40
    assert revealed["correct"] == correct_index and len(revealed["leaderboard"]) == 10
    assert all(500 <= row["score"] <= 1000 for row in revealed["leaderboard"])


def test_a_player_who_reconnects_resumes_with_their_score_and_answer(quiz):
    round_id = call(quiz, "create_round", question_count=2, seconds=30)["round_id"]
    joined = call(quiz, "join_round", round_id=round_id.lower(), name="Páo")
    token = joined["player_token"]
    opened = call(quiz, "host_round", round_id=round_id, action="open", index=0)
    right = "ABCD".index(next(q["correct"] for q in QUESTIONS if q["id"] == opened["question"]["id"]))
    call(quiz, "answer_live", round_id=round_id, player_token=token, index=0, choice=right)
    during = call(quiz, "join_round", round_id=round_id, player_token=token)
    assert during["player_token"] == token and during["player"]["answer"] == {"choice": right}
    assert during["player"]["score"] is None  # no hint before the reveal
    call(quiz, "host_round", round_id=round_id, action="close")
    call(quiz, "host_round", round_id=round_id, action="reveal")
    after = call(quiz, "round_state", round_id=round_id, player_token=token)
    assert after["player"]["score"] == after["player"]["answer"]["points"] > 900


def test_late_answers_and_out_of_order_controls_are_refused(quiz):
    round_id = call(quiz, "create_round", question_count=2, seconds=30)["round_id"]
    token = call(quiz, "join_round", round_id=round_id, name="An")["player_token"]
    with pytest.raises(Refused):
        call(quiz, "host_round", round_id=round_id, action="reveal")
    call(quiz, "host_round", round_id=round_id, action="open", index=0)
    with pytest.raises(Refused):
        call(quiz, "host_round", round_id=round_id, action="open", index=1)
    call(quiz, "host_round", round_id=round_id, action="close")
    with pytest.raises(Refused) as late:
        call(quiz, "answer_live", round_id=round_id, player_token=token, index=0, choice=0)
    assert late.value.args[0] == "too_late"
