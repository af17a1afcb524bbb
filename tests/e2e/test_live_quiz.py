"""The live quiz on the stage in real browsers: the MC runs a round, players answer on phones."""
import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import ORGANISER, ORGANISER_TOKEN

BANK = json.loads((Path(__file__).resolve().parents[2] / "services" / "quiz" / "sample_bank.json").read_text())
ANSWER = {q["text"]["vi"]: "ABCDEF".index(q["correct"]) for q in BANK}


@pytest.fixture(scope="module")
def stack(stack_factory):
    stack = stack_factory()
    httpx.put(f"{stack.base_url}/api/admin/quiz/bank", headers=ORGANISER, json=BANK).raise_for_status()
    return stack


def phone(browser):
    return browser.new_page(viewport={"width": 360, "height": 740})


def answers_sent(page) -> tuple[list[dict], list[str]]:
    """What the phone sends as answers from now on: frames on its round's socket, and HTTP requests."""
    frames: list[dict] = []
    posts: list[str] = []

    def on_socket(socket) -> None:
        socket.on("framesent", lambda payload: frames.append(json.loads(payload)))
    page.on("websocket", on_socket)
    page.on("request", lambda request: posts.append(request.url) if request.url.split("?")[0].endswith("/answer")
            else None)
    return frames, posts


def test_a_round_from_the_mc_to_the_phones_and_back(stack, browser):
    host = browser.new_page(viewport={"width": 1280, "height": 800})
    host.goto(f"{stack.base_url}/host")
    host.fill("#token", ORGANISER_TOKEN)
    host.click("#login button")
    host.fill("#question-count", "3")
    host.fill("#seconds", "60")
    host.click("#create button")
    code = host.locator("#round-code")
    expect(code).not_to_be_empty()
    round_code = code.inner_text()
    assert len(round_code) == 6

    players, sent = {}, {}
    for name in ("Mai", "Páo"):
        page = phone(browser)
        sent[name] = answers_sent(page)
        page.goto(f"{stack.base_url}/play?round={round_code}")
        page.fill("#nickname", name)
        page.click("#join button")
        expect(page.locator("#status")).to_have_text("Chờ MC mở câu hỏi…")
        players[name] = page

    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    screen.goto(f"{stack.base_url}/screen?round={round_code}")

    host.click("[data-action=open]")
    question = host.locator("#q-text")
    expect(question).not_to_be_empty()
    right = ANSWER[question.inner_text()]
    for name, page in players.items():
        expect(page.locator("#q-text")).to_have_text(question.inner_text())
        choice = right if name == "Mai" else (right + 1) % page.locator("#choices .answer").count()
        page.locator("#choices .answer").nth(choice).click()
        expect(page.locator("#status")).to_have_text("Đã chọn – chờ công bố đáp án")
        frames, posts = sent[name]
        assert [f for f in frames if f.get("type") == "answer"] == [{  # on the open socket, no HTTP request
            "type": "answer", "player_token": page.evaluate(f"localStorage.getItem('ndld.round.{round_code}')"),
            "index": 0, "choice": choice}] and posts == []
    expect(host.locator("#answers")).to_have_text("2 người đã trả lời")

    players["Páo"].reload()  # a phone that reloads keeps its answer and its place
    expect(players["Páo"].locator("#status")).to_have_text("Đã chọn – chờ công bố đáp án")

    host.click("[data-action=close]")
    host.click("[data-action=reveal]")
    expect(players["Mai"].locator("#status")).to_contain_text("Chính xác! +")
    expect(players["Páo"].locator("#status")).to_have_text("Chưa đúng")
    expect(host.locator("#leaderboard li").first).to_contain_text("Mai")
    expect(host.locator("#choices li.right")).to_have_count(1)
    expect(screen.locator("#quiz-histogram li")).not_to_have_count(0)
    expect(screen.locator("#quiz-top li").first).to_contain_text("Mai")
    expect(screen.locator("#quiz-histogram li.right .n")).to_have_text("1")
    score = int(players["Mai"].locator("#score").inner_text())
    assert 500 <= score <= 1000

    host.reload()  # the MC's screen is never refused: it picks the round up again
    expect(host.locator("#round-code")).to_have_text(round_code)
    expect(host.locator("#leaderboard li").first).to_contain_text("Mai")


def test_an_mc_opens_the_link_of_a_pass_and_is_let_in_until_it_is_revoked(stack, browser):
    issued = httpx.post(f"{stack.base_url}/api/admin/staff", headers=ORGANISER,
                        json={"role": "mc", "label": "MC Lan"}).raise_for_status().json()
    host = browser.new_page(viewport={"width": 1280, "height": 800})
    host.goto(issued["link"])
    assert "token=" not in host.url  # the pass leaves the address bar (and history) at once
    host.fill("#question-count", "2")
    host.click("#create button")
    expect(host.locator("#control")).to_be_visible()
    httpx.delete(f"{stack.base_url}/api/admin/staff/{issued['pass_id']}", headers=ORGANISER).raise_for_status()
    host.wait_for_timeout(5500)  # the gateway re-checks a pass at most every 5 s
    host.click("[data-action=open]")
    expect(host.locator("#login-error")).to_have_text("Thẻ nhân sự đã bị thu hồi. Hãy xin ban tổ chức thẻ mới.")
    host.close()


CONTRAST = """buttons => buttons.map(b => {
  const style = getComputedStyle(b);
  const lum = c => { const [r, g, bl] = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(v => {
    v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl; };
  const [a, z] = [lum(style.color), lum(style.backgroundColor)].sort((x, y) => y - x);
  return {opacity: style.opacity, contrast: (a + 0.05) / (z + 0.05)};
})"""


def watched(page, errors: list) -> object:
    """A page whose uncaught script errors are collected (a stack overflow at zero was one)."""
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return page


def mc(stack, browser, errors: list, questions: int, seconds: int):
    host = watched(browser.new_page(viewport={"width": 1280, "height": 800}), errors)
    host.goto(f"{stack.base_url}/host")
    host.fill("#token", ORGANISER_TOKEN)
    host.click("#login button")
    host.fill("#question-count", str(questions))
    host.fill("#seconds", str(seconds))
    host.click("#create button")
    expect(host.locator("#round-code")).to_have_text(re.compile(r"^\w{6}$"))
    return host, host.locator("#round-code").inner_text()


def join(stack, browser, errors: list, round_code: str, name: str):
    page = watched(phone(browser), errors)
    page.goto(f"{stack.base_url}/play?round={round_code}")
    page.fill("#nickname", name)
    page.click("#join button")
    expect(page.locator("#status")).to_have_text("Chờ MC mở câu hỏi…")
    return page


def test_the_countdown_reaches_zero_quietly_and_the_reveal_shows_right_wrong_and_each_place(stack, browser):
    errors: list[str] = []
    host, round_code = mc(stack, browser, errors, 1, 8)
    expect(host.locator("[data-action=open]")).to_have_text("Mở câu 1/1")
    for action in ("close", "reveal", "finish"):  # only the next step can be tapped
        expect(host.locator(f"[data-action={action}]")).to_be_disabled()
    mai, pao = (join(stack, browser, errors, round_code, name) for name in ("Mai", "Páo"))
    host.click("[data-action=open]")
    expect(host.locator("[data-action=close]")).to_be_enabled()
    expect(host.locator("[data-action=open]")).to_be_disabled()
    question = host.locator("#q-text")
    expect(question).not_to_be_empty()
    right = ANSWER[question.inner_text()]
    count = mai.locator("#choices .answer").count()
    assert [mai.locator("#choices .answer .shape").nth(i).inner_text() for i in range(count)] == list("▲◆●■")[:count]
    mai.locator("#choices .answer").nth(right).click()
    pao.locator("#choices .answer").nth((right + 1) % count).click()

    # Nobody presses close: the countdown runs out on every screen, with no error anywhere.
    for page in (mai, pao):
        expect(page.locator("#status")).to_have_text("Hết giờ!", timeout=15000)
    expect(host.locator("[data-action=reveal]")).to_be_enabled()
    expect(host.locator("#host-error")).to_be_hidden()
    host.click("[data-action=reveal]")

    expect(mai.locator("#status")).to_contain_text("Chính xác! +")
    expect(pao.locator("#status")).to_have_text("Chưa đúng")
    for page in (mai, pao):
        expect(page.locator(".answer.right .mark")).to_have_text("✓")
        expect(page.locator(".answer.right")).to_have_count(1)
        for style in page.locator("#choices .answer").evaluate_all(CONTRAST):
            assert style["opacity"] == "1" and style["contrast"] >= 4.5, style
    expect(pao.locator(".answer.wrong .mark")).to_have_text("✗")
    expect(mai.locator(".answer.wrong")).to_have_count(0)
    mai_score = int(mai.locator("#score").inner_text())
    expect(mai.locator("#standing")).to_have_text("Bạn đứng thứ 1: dẫn đầu!")
    expect(pao.locator("#standing")).to_have_text(f"Bạn đứng thứ 2, kém người xếp trên {mai_score} điểm.")
    expect(host.locator("[data-action=finish]")).to_be_enabled()
    expect(host.locator("[data-action=open]")).to_be_disabled()  # that was the last question
    assert errors == []


def test_after_finish_the_phones_show_the_final_standing_and_the_mc_starts_a_second_round(stack, browser):
    errors: list[str] = []
    host, first = mc(stack, browser, errors, 2, 60)
    mai = join(stack, browser, errors, first, "Mai")
    host.click("[data-action=open]")
    expect(mai.locator("#choices .answer").first).to_be_enabled()
    host.click("[data-action=close]")
    host.click("[data-action=reveal]")
    expect(host.locator("[data-action=open]")).to_have_text("Mở câu 2/2")
    host.click("[data-action=finish]")
    expect(mai.locator("#status")).to_have_text("Lượt chơi kết thúc. Cảm ơn bạn!")
    expect(mai.locator("#standing")).to_have_text("Bạn đứng thứ 1: dẫn đầu!")
    expect(mai.locator("#leaderboard li")).to_have_text(["Mai — 0"])
    expect(host.locator("#new-round")).to_be_visible()

    host.reload()  # a finished round is not picked up again: today's rounds are listed instead
    expect(host.locator("#create")).to_be_visible()
    newest = host.locator("#today li").first  # the module's other tests made rounds today too
    expect(newest).to_contain_text(f"{first} · ")
    expect(newest).to_contain_text("đã kết thúc · 1 người chơi · 2 câu")
    expect(newest.locator("button")).to_have_count(0)
    listed = host.locator("#today li").count()
    host.fill("#question-count", "1")
    host.click("#create button")
    expect(host.locator("#round-code")).not_to_have_text(first)
    expect(host.locator("#round-code")).to_have_text(re.compile(r"^\w{6}$"))
    second = host.locator("#round-code").inner_text()
    expect(host.locator("[data-action=open]")).to_have_text("Mở câu 1/1")
    host.click("[data-action=open]")
    expect(host.locator("#q-text")).not_to_be_empty()

    host.reload()  # an unfinished round is resumed
    expect(host.locator("#round-code")).to_have_text(second)
    host.click("[data-action=close]")
    host.click("[data-action=reveal]")
    host.click("[data-action=finish]")
    host.click("#new-round")
    expect(host.locator("#today li")).to_have_count(listed + 1)
    expect(host.locator("#today li").first).to_contain_text(second)
    assert errors == []
