"""Livestream through the gateway: viewer sockets, reactions in bulk, moderation reaching everyone."""
import json
import time

from websockets.sync.client import connect as ws_connect

from gateway.viewers import TAP_BURST
from tests.conftest import ORGANISER


def viewer(stack):
    socket = ws_connect(stack.base_url.replace("http", "ws") + "/ws/live", open_timeout=10)
    first = json.loads(socket.recv(timeout=5))
    assert first["type"] == "feed"
    return socket


def wait_for(read, expected, seconds: float = 8.0):
    """The value `read()` settles on: `expected` as soon as it shows, else the last one seen."""
    deadline = time.monotonic() + seconds
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    return value


def stat(api, name):
    return api.get("/api/stats").json()[name]


def next_of_type(socket, kind: str, seconds: float = 5.0) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        message = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message["type"] == kind:
            return message


def test_viewers_now_goes_up_and_down_as_sockets_open_and_close(stack, api):
    base = wait_for(lambda: stat(api, "live_viewers_now"), 0)
    sockets = [viewer(stack) for _ in range(5)]
    assert wait_for(lambda: stat(api, "live_viewers_now"), base + 5) == base + 5
    for socket in sockets[:3]:
        socket.close()
    assert wait_for(lambda: stat(api, "live_viewers_now"), base + 2) == base + 2
    assert stat(api, "live_viewers_peak") >= base + 5
    for socket in sockets[3:]:
        socket.close()


def test_a_burst_of_taps_from_many_viewers_is_counted_exactly(stack, api):
    before = api.get("/api/stats").json()
    sockets = [viewer(stack) for _ in range(40)]
    for socket in sockets:
        socket.send(json.dumps({"type": "react", "counts": {"like": 3, "clap": 2}}))
    # One viewer tapping far faster than a person can: only a burst's worth counts.
    sockets[0].send(json.dumps({"type": "react", "counts": {"wow": 10_000}}))
    expected = before["live_reactions_total"] + 40 * 5 + TAP_BURST - 5
    assert wait_for(lambda: stat(api, "live_reactions_total"), expected) == expected
    by_kind = stat(api, "live_reactions_by_kind")
    assert by_kind["like"] == before["live_reactions_by_kind"].get("like", 0) + 120
    for socket in sockets:
        socket.close()


def test_hiding_a_comment_removes_it_from_every_viewer(stack, api):
    screens = [viewer(stack) for _ in range(3)]
    comment = api.post("/api/live/comments", json={"viewer_id": "viewer-hide-01", "name": "Spam",
                                                    "text": "mua hàng giá rẻ tại..."}).json()
    for screen in screens:
        assert next_of_type(screen, "post")["post"]["id"] == comment["id"]
    response = api.post(f"/api/admin/live/posts/{comment['id']}/hide", headers=ORGANISER)
    assert response.status_code == 200
    for screen in screens:
        moderated = next_of_type(screen, "moderated")["post"]
        assert (moderated["id"], moderated["status"]) == (comment["id"], "hidden")
        screen.close()
    assert comment["id"] not in [c["id"] for c in api.get("/api/live/feed").json()["comments"]]


def test_text_comes_back_exactly_as_typed_never_as_markup(api):
    text = '<img src=x onerror="alert(1)"> & <script>'
    comment = api.post("/api/live/comments", json={"viewer_id": "viewer-xss-01", "name": "<b>An</b>",
                                                    "text": text}).json()
    assert (comment["text"], comment["name"]) == (text, "<b>An</b>")


def test_posting_too_fast_gets_429_with_how_long_to_wait(api):
    body = {"viewer_id": "viewer-fast-01", "name": "An", "text": "một"}
    for path in ("/api/live/comments", "/api/live/questions"):
        assert api.post(path, json=body).status_code == 201
        response = api.post(path, json=body | {"text": "hai"})
        assert response.status_code == 429 and 1 <= int(response.headers["retry-after"]) <= 5
        assert response.json()["message"].startswith("Bạn gửi hơi nhanh")


def test_a_question_right_after_a_comment_is_taken(api):
    body = {"viewer_id": "viewer-both-01", "name": "An", "text": "Xin chào"}
    assert api.post("/api/live/comments", json=body).status_code == 201
    assert api.post("/api/live/questions", json=body | {"text": "Có mất phí không?"}).status_code == 201


def test_a_viewer_cannot_upvote_their_own_question(api):
    asker = {"viewer_id": "viewer-own-01"}
    question = api.post("/api/live/questions", json=asker | {"name": "An", "text": "Mấy giờ bắt đầu?"}).json()
    path = f"/api/live/questions/{question['id']}/upvote"
    for lang, message in (("vi", "Bạn không thể tán thành câu hỏi của chính mình."),
                          ("en", "You cannot upvote your own question.")):
        refused = api.post(f"{path}?lang={lang}", json=asker)
        assert (refused.status_code, refused.json()["error"]) == (409, "own_question")
        assert refused.json()["message"] == message
    assert api.post(path, json={"viewer_id": "viewer-own-02"}).json()["upvotes"] == 1


def test_moderation_needs_the_organiser_token(api):
    assert api.get("/api/admin/live/posts").status_code == 401
    refused = api.put("/api/admin/live/settings", headers=ORGANISER, json={"stream_url": "javascript:alert(1)"})
    assert refused.status_code == 422 and "stream_url" in refused.json()["fields"]
