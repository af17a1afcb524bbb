"""Viewers and a moderator in real browsers: posts shown as text, a hide reaching everyone."""
import httpx
from playwright.sync_api import expect

from tests.conftest import ORGANISER_TOKEN


def open_viewer(browser, stack, name: str):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{stack.base_url}/live")
    page.fill("#viewer-name", name)
    page.dispatch_event("#viewer-name", "change")
    return page


def test_a_comment_shows_as_text_on_every_screen_and_a_hide_removes_it(stack, browser):
    mai, an = open_viewer(browser, stack, "Mai"), open_viewer(browser, stack, "An")
    hostile = '<img src=x onerror="document.title=1">Xin chào'
    mai.fill(".post-form[data-kind=comment] input", hostile)
    mai.click(".post-form[data-kind=comment] button")
    for page in (mai, an):
        expect(page.locator("#comments .post .text")).to_have_text(hostile)
        expect(page.locator("#comments img")).to_have_count(0)

    moderator = browser.new_page(viewport={"width": 1024, "height": 800})
    moderator.goto(f"{stack.base_url}/moderate")
    moderator.fill("#token", ORGANISER_TOKEN)
    moderator.click("#login button")
    moderator.click("#filters button[data-status='']")
    row = moderator.locator("#posts .post", has_text="Xin chào")
    row.locator("button[data-action=hide]").click()
    for page in (mai, an):
        expect(page.locator("#comments .post")).to_have_count(0)
    for page in (mai, an, moderator):
        page.close()


def test_questions_are_upvoted_once_and_reactions_are_counted(stack, browser):
    asker, voter = open_viewer(browser, stack, "Páo"), open_viewer(browser, stack, "Lan")
    asker.fill(".post-form[data-kind=question] input", "Chữ ký số có mất phí không?")
    asker.click(".post-form[data-kind=question] button")
    upvote = voter.locator("#questions .post .upvote")
    expect(upvote).to_have_text("▲ 0")
    upvote.click()
    expect(upvote).to_have_text("▲ 1")
    expect(upvote).to_be_disabled()
    expect(asker.locator("#questions .post .upvote")).to_have_text("▲ 1")

    for _ in range(4):
        voter.click(".react[data-kind=clap]")
    expect(asker.locator("[data-reaction=clap]")).to_have_text("4", timeout=5000)
    stats = httpx.get(f"{stack.base_url}/api/stats").json()
    assert stats["live_reactions_by_kind"]["clap"] == 4
    expect(asker.locator("#viewers-now")).to_have_text("2", timeout=8000)


def test_with_approval_on_a_comment_waits_for_the_moderator(stack, browser):
    httpx.put(f"{stack.base_url}/api/admin/live/settings", headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"},
              json={"comments_require_approval": True}).raise_for_status()
    page = open_viewer(browser, stack, "Hùng")
    page.fill(".post-form[data-kind=comment] input", "Chờ duyệt nhé")
    page.click(".post-form[data-kind=comment] button")
    expect(page.locator(".post-form[data-kind=comment] .form-note")).to_have_text("Đã gửi – đang chờ duyệt.")
    expect(page.locator("#comments .post", has_text="Chờ duyệt nhé")).to_have_count(0)
    page.close()
