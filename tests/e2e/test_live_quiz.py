"""The live quiz on the stage in real browsers: the MC runs a round, players answer on phones."""
import json
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

    players = {}
    for name in ("Mai", "Páo"):
        page = phone(browser)
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
