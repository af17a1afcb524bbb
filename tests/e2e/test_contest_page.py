"""A player on a phone: joins the contest, loses the page mid-way, resumes, submits once."""
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import ORGANISER

BANK = json.loads((Path(__file__).resolve().parents[2] / "services" / "quiz" / "sample_bank.json").read_text())
KEY = {q["id"]: "ABCDEF".index(q["correct"]) for q in BANK}


@pytest.fixture(scope="module")
def stack(stack_factory):
    stack = stack_factory()
    now = datetime.now(UTC)
    httpx.put(f"{stack.base_url}/api/admin/quiz/bank", headers=ORGANISER, json=BANK).raise_for_status()
    httpx.put(f"{stack.base_url}/api/admin/quiz/contests/tinh", headers=ORGANISER, json={
        "title": "Tìm hiểu chuyển đổi số", "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat()}).raise_for_status()
    return stack


def answer(page, count: int | None = None) -> None:
    questions = page.locator("#questions > li")
    for i in range(count if count is not None else questions.count()):
        question = questions.nth(i)
        qid = question.locator("input[type=radio]").first.get_attribute("name")
        question.locator(f"input[value='{KEY[qid]}']").check()


def test_a_player_resumes_after_a_reload_and_gets_a_perfect_score(stack, page, browser):
    page.goto(f"{stack.base_url}/contest/tinh")
    expect(page.locator("h1")).to_have_text("Tìm hiểu chuyển đổi số")
    page.fill("#name", "Vàng Thị Sính")
    page.fill("#phone", "0987 111 222")
    page.fill("#commune", "Xã Tân Thanh")
    page.click("#join button[type=submit]")
    expect(page.locator("#questions > li")).to_have_count(45)
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
