"""Live rounds through the gateway: every field of every round operation refuses what is not its type or range
with a 422 that stores nothing, and the MC's steps reach the round's socket."""
import json

import pytest
from websockets.sync.client import connect as ws_connect

from gateway.routes.quiz import PLAYER_TOKEN_MAX
from tests.conftest import ORGANISER
from tests.waiting import wait_until

QUESTIONS = [{"id": f"q{i}", "text": {"vi": f"Câu {i}?"}, "choices": [{"vi": x} for x in "ABCD"],
              "correct": "A"} for i in range(3)]
# What JSON can bring where a whole number belongs (>8-byte ones included: Mongo cannot even store them).
NOT_WHOLE_NUMBERS = [1.5, 0.0, "0", "1", True, False, None, {"$gt": -1}, {"$ne": None}, [0], -1, -(2**31),
                     10**6, 2**63, 2**64 + 1, -(2**70)]
NOT_TEXT = [1, 1.5, True, {"$gt": ""}, {"$ne": None}, ["Mai"]]


@pytest.fixture(scope="module")
def api(api):
    api.put("/api/admin/quiz/bank", headers=ORGANISER, json=QUESTIONS).raise_for_status()
    return api


@pytest.fixture(scope="module")
def round_id(api) -> str:
    created = api.post("/api/admin/quiz/rounds", headers=ORGANISER, json={"question_count": 3, "seconds": 60})
    assert created.status_code == 201
    return created.json()["round_id"]


@pytest.fixture(scope="module")
def player(api, round_id) -> str:
    return api.post(f"/api/rounds/{round_id}/join", json={"name": "Mai"}).json()["player_token"]


def today(api) -> list[dict]:
    listed = api.get("/api/admin/quiz/rounds", headers=ORGANISER)
    assert listed.status_code == 200
    return listed.json()


def refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert field in response.json()["fields"], response.text
    assert response.json()["fields"][field]["message"]


@pytest.mark.parametrize(("field", "value"), [
    *[(field, v) for field in ("question_count", "seconds") for v in NOT_WHOLE_NUMBERS],
    ("question_count", 0), ("question_count", 31), ("seconds", 4), ("seconds", 121),
])
def test_a_round_with_a_bad_size_or_countdown_is_refused_and_nothing_is_made(api, field, value):
    before = len(today(api))
    refused(api.post("/api/admin/quiz/rounds", headers=ORGANISER, json={field: value}), field)
    assert len(today(api)) == before


@pytest.mark.parametrize(("body", "field"), [
    *[({"name": v}, "name") for v in [*NOT_TEXT, "", "   ", "x" * 1001]],
    *[({"attendee_code": v}, "attendee_code") for v in [*NOT_TEXT, "x" * 41, "ZZZZZZZ"]],
    *[({"name": "Mai", "player_token": v}, "player_token") for v in [*NOT_TEXT, "x" * (PLAYER_TOKEN_MAX + 1)]],
])
def test_a_join_with_a_bad_name_code_or_token_is_refused_and_nobody_joins(api, round_id, player, body, field):
    refused(api.post(f"/api/rounds/{round_id}/join", json=body), field)
    assert next(r for r in today(api) if r["round_id"] == round_id)["players"] == 1


def test_a_made_up_token_alone_joins_nobody(api, round_id, player):
    assert api.post(f"/api/rounds/{round_id}/join", json={"player_token": "made-up"}).status_code == 404
    assert next(r for r in today(api) if r["round_id"] == round_id)["players"] == 1


def test_a_nickname_the_round_has_is_refused_in_the_pages_language_and_nobody_joins(api, round_id, player):
    for lang, words in (("vi", "Tên này đã có người dùng"), ("en", "already has that name")):
        clash = api.post(f"/api/rounds/{round_id}/join?lang={lang}", json={"name": " mai "})
        assert clash.status_code == 409 and clash.json()["error"] == "name_taken"
        assert words in clash.json()["message"]
    assert next(r for r in today(api) if r["round_id"] == round_id)["players"] == 1


@pytest.mark.parametrize("value", NOT_WHOLE_NUMBERS + [3, 30])
def test_an_mc_opening_anything_but_a_question_of_the_round_is_refused_and_nothing_moves(api, round_id, value):
    response = api.post(f"/api/admin/quiz/rounds/{round_id}/open", headers=ORGANISER, json={"index": value})
    if value == 3:  # a whole number, but this round has three questions
        assert response.status_code == 409 and response.json()["error"] == "no_such_question"
    else:
        refused(response, "index")
    state = api.get(f"/api/rounds/{round_id}/state").json()
    assert (state["state"], state["index"]) == ("lobby", -1)


@pytest.mark.parametrize("action", ["delete", "OPEN", "%24gt", "state", "__class__"])
def test_an_unknown_action_is_refused(api, round_id, action):
    refused(api.post(f"/api/admin/quiz/rounds/{round_id}/{action}", headers=ORGANISER, json={}), "action")


@pytest.mark.parametrize("value", [v for v in NOT_WHOLE_NUMBERS if v is not None])
def test_a_close_with_a_bad_index_is_refused_too(api, round_id, value):
    refused(api.post(f"/api/admin/quiz/rounds/{round_id}/close", headers=ORGANISER, json={"index": value}), "index")


def test_bad_answers_are_refused_in_the_pages_language_and_the_round_goes_on(api, round_id, player):
    opened = api.post(f"/api/admin/quiz/rounds/{round_id}/open", headers=ORGANISER, json={"index": 0})
    assert opened.status_code == 200 and opened.json()["state"] == "open"
    for field in ("index", "choice"):
        for value in NOT_WHOLE_NUMBERS:
            body = {"player_token": player, "index": 0, "choice": 0} | {field: value}
            refused(api.post(f"/api/rounds/{round_id}/answer", json=body), field)
    for value in NOT_TEXT:
        refused(api.post(f"/api/rounds/{round_id}/answer", json={"player_token": value, "index": 0, "choice": 0}),
                "player_token")
    english = api.post(f"/api/rounds/{round_id}/answer?lang=en", json={"player_token": player, "index": 0,
                                                                       "choice": 1.5})
    assert english.json()["fields"]["choice"]["message"] == "Not a valid number."
    assert api.get(f"/api/rounds/{round_id}/state").json()["answers"] == 0

    answered = api.post(f"/api/rounds/{round_id}/answer", json={"player_token": player, "index": 0, "choice": 0})
    assert answered.status_code == 200 and answered.json() == {"index": 0, "choice": 0, "received": True}
    state = wait_until(lambda: api.get(f"/api/rounds/{round_id}/state", params={"player": player}).json(),
                       lambda seen: seen["answers"] == 1)
    assert state["answers"] == 1 and state["player"]["answer"] == {"choice": 0}


def test_the_mc_lists_todays_rounds_and_finish_reaches_the_rounds_socket(api, stack):
    assert api.get("/api/admin/quiz/rounds").status_code == 401
    round_id = api.post("/api/admin/quiz/rounds", headers=ORGANISER, json={"question_count": 1}).json()["round_id"]
    token = api.post(f"/api/rounds/{round_id}/join", json={"name": "Páo"}).json()["player_token"]
    listed = today(api)
    assert {key: listed[0][key] for key in ("round_id", "state", "players", "questions")} == {
        "round_id": round_id, "state": "lobby", "players": 1, "questions": 1}
    url = stack.base_url.replace("http", "ws") + f"/ws/quiz/{round_id}?player={token}"
    with ws_connect(url, open_timeout=10) as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "state"
        api.post(f"/api/admin/quiz/rounds/{round_id}/finish", headers=ORGANISER, json={}).raise_for_status()
        message = json.loads(socket.recv(timeout=10))
    assert message == {"type": "finished", "round_id": round_id, "index": -1, "players": 1,
                       "leaderboard": [{"name": "Páo", "score": 0}]}
    final = api.get(f"/api/rounds/{round_id}/state", params={"player": token}).json()
    assert final["state"] == "finished" and final["player"] == {
        "name": "Páo", "score": 0, "answer": None, "rank": 1, "behind": None}
    assert next(r for r in today(api) if r["round_id"] == round_id)["state"] == "finished"
