"""The stage moment: answers timed at the gateway, durable before "received", stored in batches.

Players' phones behave as the pages do: an answer that gets no answer, or 503, is sent again as
it was until it is answered. Afterwards every answer taken in time is stored exactly once, and the
histogram the close announces counts them all.
"""
import json
import threading
from datetime import UTC, datetime

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from tests.conftest import ORGANISER
from tests.gateway.bursts import Burst, Request
from tests.gateway.test_faults import BROKER_RESTART, local_broker
from tests.waiting import wait_until

PLAYERS = 120
QUESTIONS = [{"id": f"q{i}", "text": {"vi": f"Câu {i}?"}, "choices": [{"vi": x} for x in "ABCD"],
              "correct": "A"} for i in range(2)]


@pytest.fixture(scope="module")
def stack(stack_factory):
    stack = stack_factory()
    httpx.put(f"{stack.base_url}/api/admin/quiz/bank", headers=ORGANISER, json=QUESTIONS,
              timeout=15).raise_for_status()
    return stack


def host(stack, round_id: str, action: str, **body) -> dict:
    return httpx.post(f"{stack.base_url}/api/admin/quiz/rounds/{round_id}/{action}", headers=ORGANISER,
                      json=body, timeout=15).raise_for_status().json()


def new_round(stack, seconds: int = 60, players: int = PLAYERS) -> tuple[str, list[str]]:
    """A round with its question open and `players` players joined: (round code, their tokens)."""
    with httpx.Client(base_url=stack.base_url, timeout=15) as client:
        round_id = client.post("/api/admin/quiz/rounds", headers=ORGANISER,
                               json={"question_count": 2, "seconds": seconds}).raise_for_status().json()["round_id"]
        tokens = [client.post(f"/api/rounds/{round_id}/join", json={"name": f"Người {i}"}).raise_for_status()
                  .json()["player_token"] for i in range(players)]
    host(stack, round_id, "open", index=0)
    return round_id, tokens


def answers(round_id: str, tokens: list[str]) -> list[Request]:
    """Every player once, choices spread over A to D, and every fourth player tapping twice."""
    taps = [Request("POST", f"/api/rounds/{round_id}/answer", {"player_token": t, "index": 0, "choice": i % 4})
            for i, t in enumerate(tokens)]
    return taps + [Request("POST", f"/api/rounds/{round_id}/answer", {"player_token": t, "index": 0,
                                                                    "choice": (i + 1) % 4})
                   for i, t in enumerate(tokens) if i % 4 == 0]


def assert_each_stored_once(stack, round_id: str, burst: Burst) -> dict:
    assert len(burst.answers) == len(burst.requests), "every tap is answered in the end"
    assert burst.statuses() == {200} and all(r.json()["received"] for r in burst.answers.values())
    closed = host(stack, round_id, "close")
    assert closed["answers"] == PLAYERS and sum(closed["histogram"]) == PLAYERS
    return closed


def test_answers_in_time_are_each_stored_once_and_the_close_counts_them_all(stack):
    round_id, tokens = new_round(stack)
    burst = Burst(stack.base_url, answers(round_id, tokens), threads=16)
    burst.run(begin=lambda: None, end=lambda: None, outage=0)
    assert burst.refusals == [] and burst.unanswered_tries == 0
    closed = assert_each_stored_once(stack, round_id, burst)
    assert closed["histogram"] == [PLAYERS // 4] * 4, "each player's first tap is the one that counts"


def test_an_answer_after_the_countdown_is_refused_at_the_edge_and_not_stored(stack):
    round_id, tokens = new_round(stack, seconds=5)
    closes_at = datetime.fromisoformat(httpx.get(f"{stack.base_url}/api/rounds/{round_id}/state").json()["closes_at"])
    assert wait_until(lambda: datetime.now(UTC), lambda now: now >= closes_at, 10) >= closes_at
    late = httpx.post(f"{stack.base_url}/api/rounds/{round_id}/answer?lang=en",
                      json={"player_token": tokens[0], "index": 0, "choice": 0})
    assert late.status_code == 409 and late.json()["error"] == "too_late"
    assert host(stack, round_id, "close")["answers"] == 0


def test_a_token_from_another_round_or_forged_names_nobody(stack):
    first, tokens = new_round(stack)
    second, _ = new_round(stack)
    for token in (tokens[0], tokens[0][:-4] + "AAAA"):
        refused = httpx.post(f"{stack.base_url}/api/rounds/{second}/answer",
                             json={"player_token": token, "index": 0, "choice": 0})
        assert refused.status_code == 404
    assert host(stack, second, "close")["answers"] == 0
    host(stack, first, "close")


def test_the_quiz_service_killed_mid_burst_loses_no_answer_taken(stack):
    """Answers need no quiz service to be taken: they wait on the durable queue while it restarts."""
    round_id, tokens = new_round(stack)
    restarted = threading.Event()

    def back() -> None:
        stack.start_service("quiz")
        restarted.set()

    burst = Burst(stack.base_url, answers(round_id, tokens), threads=16)
    burst.run(begin=lambda: stack.kill("quiz"), end=back, outage=1)
    assert restarted.is_set() and burst.refusals == [], "answers were taken while the quiz service was down"
    assert wait_until(lambda: httpx.get(f"{stack.base_url}/readyz").json()["missing"], lambda m: m == [], 30) == []
    assert_each_stored_once(stack, round_id, burst)


@local_broker
def test_a_broker_restart_mid_burst_loses_no_answer_and_counts_none_twice(stack):
    round_id, tokens = new_round(stack, seconds=120)
    # A tap during the restart waits for the broker's confirm (the publisher reconnects) or gets 503
    # and is sent again; either way it is stored once.
    burst = Burst(stack.base_url, answers(round_id, tokens), threads=16).run(**BROKER_RESTART)
    assert wait_until(lambda: httpx.get(f"{stack.base_url}/readyz").json()["missing"], lambda m: m == [], 30) == []
    assert_each_stored_once(stack, round_id, burst)


def players_socket(stack, round_id: str, token: str, lang: str = "vi"):
    """The socket a player's phone holds for the round, its first message (the round's state) read."""
    socket = ws_connect(stack.base_url.replace("http", "ws") + f"/ws/quiz/{round_id}?player={token}&lang={lang}",
                        open_timeout=10)
    assert json.loads(socket.recv(timeout=10))["type"] == "state"
    return socket


def sent(socket, frame: object) -> dict:
    """The server's reply to one frame, past the round's own traffic (the live answer count)."""
    socket.send(frame if isinstance(frame, str) else json.dumps(frame))
    while True:
        message = json.loads(socket.recv(timeout=15))
        if message["type"] in ("answer_reply", "error"):
            return message


def test_answers_sent_on_the_players_socket_follow_the_rules_of_the_http_answer(stack):
    round_id, tokens = new_round(stack, players=2)
    other_round, others = new_round(stack, players=1)
    with players_socket(stack, round_id, tokens[0]) as socket:
        mine = {"type": "answer", "player_token": tokens[0], "index": 0}
        assert sent(socket, mine | {"choice": 2}) == {"type": "answer_reply", "status": 200, "index": 0, "choice": 2,
                                                      "received": True}
        # A second tap is received too; the first is the one that counts.
        assert sent(socket, mine | {"choice": 3})["received"] is True
        for token in (tokens[1][:-4] + "AAAA", others[0]):  # forged, another round's
            refused = sent(socket, mine | {"player_token": token, "choice": 1})
            assert (refused["status"], refused["error"]) == (404, "not_found")
        bad = sent(socket, mine | {"index": "0", "choice": 1.5})
        assert bad["status"] == 422 and set(bad["fields"]) == {"index", "choice"}
        assert bad["fields"]["choice"]["message"] == "Số không hợp lệ."
        for token, code in ((7, "not_text"), ("x" * 401, "too_long")):
            refused = sent(socket, mine | {"player_token": token, "choice": 1})
            assert refused["status"] == 422 and refused["fields"]["player_token"]["code"] == code
        assert sent(socket, "{not json")["error"] == "not_json"
        assert sent(socket, '{"type": "answer", "index": 1e999}')["error"] == "invalid_number"
        unknown = sent(socket, {"type": "vote", "choice": 1})
        assert (unknown["error"], unknown["field"]) == ("unknown_message", "type")
        assert sent(socket, mine | {"player_token": tokens[1], "choice": 0})["status"] == 200  # still open
    closed = host(stack, round_id, "close")
    assert closed["answers"] == 2 and closed["histogram"] == [1, 0, 1, 0]
    assert host(stack, other_round, "close")["answers"] == 0


def test_an_answer_on_the_socket_after_the_countdown_is_refused_in_the_pages_language(stack):
    round_id, tokens = new_round(stack, seconds=5, players=1)
    closes_at = datetime.fromisoformat(httpx.get(f"{stack.base_url}/api/rounds/{round_id}/state").json()["closes_at"])
    with players_socket(stack, round_id, tokens[0], lang="en") as socket:
        assert wait_until(lambda: datetime.now(UTC), lambda now: now >= closes_at, 10) >= closes_at
        late = sent(socket, {"type": "answer", "player_token": tokens[0], "index": 0, "choice": 0})
    assert (late["status"], late["error"]) == (409, "too_late") and late["message"].startswith("Time is up")
    assert host(stack, round_id, "close")["answers"] == 0
