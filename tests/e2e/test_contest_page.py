"""A player on a phone: joins the contest, loses the page mid-way, resumes on the server's clock, submits once."""
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import ORGANISER

BANK = json.loads((Path(__file__).resolve().parents[2] / "services" / "quiz" / "sample_bank.json").read_text())
KEY = {q["id"]: "ABCDEF".index(q["correct"]) for q in BANK}
UNAVAILABLE = "Hệ thống đang bận hoặc mất kết nối. Vui lòng thử lại sau ít giây."  # the page's own text


@pytest.fixture(scope="module")
def stack(stack_factory):
    stack = stack_factory()
    now = datetime.now(UTC)
    httpx.put(f"{stack.base_url}/api/admin/quiz/bank", headers=ORGANISER, json=BANK).raise_for_status()
    # "tinh" opened last: the MC screen shows its figures.
    for contest_id, title, limit, opened in (("tinh", "Tìm hiểu chuyển đổi số", 900, 1), ("nhanh", "Thi nhanh", 16, 2)):
        httpx.put(f"{stack.base_url}/api/admin/quiz/contests/{contest_id}", headers=ORGANISER, json={
            "title": title, "opens_at": (now - timedelta(hours=opened)).isoformat(),
            "closes_at": (now + timedelta(hours=1)).isoformat(), "time_limit_seconds": limit}).raise_for_status()
    return stack


def join(page, name: str, phone: str) -> None:
    page.fill("#name", name)
    page.fill("#phone", phone)
    page.fill("#commune", "Xã Tân Thanh")
    page.click("#join button[type=submit]")
    expect(page.locator("#questions > li")).to_have_count(45)


def seconds_left(page) -> int:
    minutes, seconds = page.locator("#clock").inner_text().split(":")
    return int(minutes) * 60 + int(seconds)


def answer(page, count: int | None = None) -> None:
    questions = page.locator("#questions > li")
    for i in range(count if count is not None else questions.count()):
        question = questions.nth(i)
        qid = question.locator("input[type=radio]").first.get_attribute("name")
        question.locator(f"input[value='{KEY[qid]}']").check()


def test_a_player_resumes_after_a_reload_and_gets_a_perfect_score(stack, page, browser):
    page.goto(f"{stack.base_url}/contest/tinh")
    expect(page.locator("h1")).to_have_text("Tìm hiểu chuyển đổi số")
    join(page, "Vàng Thị Sính", "0987 111 222")
    expect(page.locator("#clock-warning")).to_be_hidden()  # 15 minutes left
    answer(page, 20)
    expect(page.locator("#progress")).to_have_text("Đã trả lời 20/45")

    page.reload()  # a lost signal or an accidental refresh
    expect(page.locator("#progress")).to_have_text("Đã trả lời 20/45")
    answer(page)
    page.click("#submit")
    expect(page.locator("#result-line")).to_contain_text("Đúng 45/45 câu")
    expect(page.locator("#result-perfect")).to_be_visible()

    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    screen.goto(f"{stack.base_url}/screen")
    expect(screen.locator('[data-counter="quiz_perfect_entries"]')).to_have_text("1")
    expect(screen.locator('[data-tile="quiz_entries"]')).to_be_visible()
    screen.close()


def test_a_wrong_attendee_code_is_explained(stack, page):
    page.goto(f"{stack.base_url}/contest/tinh")
    page.fill("#attendee-code", "XXXXXXX")
    page.click("#join button[type=submit]")
    expect(page.locator("#join-error")).to_have_text("Không tìm thấy mã người tham dự này.")


def test_after_a_reload_the_clock_continues_and_at_zero_the_answers_are_submitted(stack, page):
    """The phone's own clock is an hour slow: the page keeps time by the server's."""
    page.clock.install(time=datetime.now(UTC) - timedelta(hours=1))
    page.goto(f"{stack.base_url}/contest/nhanh")
    join(page, "Lù Văn Pao", "0987 333 444")
    expect(page.locator("#clock-warning")).to_be_visible()  # under a minute from the start
    answer(page, 3)
    page.wait_for_function("() => /^0:0[0-8]$/.test(document.getElementById('clock').textContent)")
    before = seconds_left(page)

    page.reload()  # the deadline stays the server's: the clock must not start again from the time limit
    expect(page.locator("#progress")).to_have_text("Đã trả lời 3/45")
    page.wait_for_function("() => /^\\d+:\\d\\d$/.test(document.getElementById('clock').textContent)")
    assert seconds_left(page) <= before
    answer(page, 5)
    expect(page.locator("#result-line")).to_contain_text("Đúng 5/45 câu", timeout=20_000)  # submitted at zero
    stats = httpx.get(f"{stack.base_url}/api/contests/nhanh/stats").json()
    assert (stats["entries"], stats["leaderboard"][0]["name"], stats["leaderboard"][0]["correct"]) == \
        (1, "Lù Văn Pao", 5)


def test_a_start_that_gets_no_answer_says_so_when_the_time_limit_is_up(stack, page):
    """A stalled network: the page gives the request up after 15 s and says so in its own words."""
    start = datetime.now(UTC)
    page.clock.install(time=start)
    page.clock.pause_at(start + timedelta(seconds=1))  # from here time moves only when the test moves it
    page.route("**/api/contests/*/entries**", lambda route: None)  # held for ever, never answered
    page.goto(f"{stack.base_url}/contest/tinh")
    page.fill("#attendee-code", "ABCDEFG")
    with page.expect_request("**/api/contests/*/entries**"):
        page.click("#join button[type=submit]")
    page.clock.run_for(14_900)
    expect(page.locator("#join-error")).to_be_hidden()
    page.clock.run_for(200)
    expect(page.locator("#join-error")).to_have_text(UNAVAILABLE)
