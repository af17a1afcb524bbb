"""Viewers and a moderator in real browsers: posts shown as text, a hide reaching everyone."""
import re

import httpx
from playwright.sync_api import expect

from tests.conftest import ORGANISER_TOKEN


def open_moderator(browser, stack):
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    page.goto(f"{stack.base_url}/moderate")
    page.fill("#token", ORGANISER_TOKEN)
    page.click("#login button")
    return page


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

    moderator = open_moderator(browser, stack)
    row = moderator.locator("#handled .post", has_text="Xin chào")
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
    # The asker's own question shows its count but offers no upvote (the server would refuse it).
    expect(asker.locator("#questions .post .upvotes")).to_have_text("▲ 1")
    expect(asker.locator("#questions .post .upvote")).to_have_count(0)

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


def post_as(stack, kind: str, viewer: str, text: str) -> str:
    response = httpx.post(f"{stack.base_url}/api/live/{kind}s", json={"viewer_id": viewer, "name": "Lan", "text": text})
    response.raise_for_status()
    return response.json()["id"]


def test_a_moderators_row_stays_put_and_offers_only_the_buttons_its_state_fits(stack, browser):
    admin = {"Authorization": f"Bearer {ORGANISER_TOKEN}"}
    httpx.put(f"{stack.base_url}/api/admin/live/settings", headers=admin,
              json={"comments_require_approval": True}).raise_for_status()
    waiting = len(httpx.get(f"{stack.base_url}/api/admin/live/posts?status=pending", headers=admin).json())
    comment = post_as(stack, "comment", "viewer-stay-01", "Bình luận thứ nhất")
    question = post_as(stack, "question", "viewer-stay-02", "Câu hỏi thứ hai?")
    moderator = open_moderator(browser, stack)
    expect(moderator.locator("#pending-count")).to_have_text(str(waiting + 2))
    row = moderator.locator(f"#board [data-id='{comment}']")
    expect(row.locator("button")).to_have_text(["Duyệt", "Ẩn"])
    expect(row.locator(".state")).to_have_text(["Chờ duyệt"])
    expect(row.locator("time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))

    row.hover()
    node, box = row.element_handle(), row.bounding_box()
    late = post_as(stack, "comment", "viewer-stay-03", "Đến muộn")
    expect(moderator.locator("#pending-count")).to_have_text(str(waiting + 3))
    expect(moderator.locator(f"#pending [data-id='{late}']")).to_have_count(1)
    row.locator("button[data-action=approve]").click()
    expect(row.locator("button")).to_have_text(["Ghim", "Ẩn"])
    expect(row.locator(".state")).to_have_text(["Đang hiện"])
    expect(moderator.locator("#pending-count")).to_have_text(str(waiting + 2))
    # Still the same element in the same place while the pointer is on it, through polls and a new post.
    assert node.evaluate(f"el => el === document.querySelector(\"[data-id='{comment}']\")")
    assert row.bounding_box() == box and node.evaluate("el => el.parentNode.id") == "pending"

    moderator.mouse.move(1, 1)  # the pointer leaves: the handled row joins its section
    expect(moderator.locator(f"#handled [data-id='{comment}']")).to_have_count(1)
    row.locator("button[data-action=pin]").click()
    expect(row.locator("button")).to_have_text(["Bỏ ghim", "Ẩn"])
    expect(row.locator(".state")).to_have_text(["Đang hiện", "Đã ghim"])

    asked = moderator.locator(f"#board [data-id='{question}']")
    asked.locator("button[data-action=approve]").click()
    expect(asked.locator("button")).to_have_text(["Ghim", "Ẩn", "Đánh dấu đã trả lời"])
    asked.locator("button[data-action=answered]").click()
    expect(asked.locator("button")).to_have_text(["Ghim", "Ẩn"])
    expect(asked.locator(".state")).to_have_text(["Đang hiện", "Đã trả lời"])
    asked.locator("button[data-action=hide]").click()
    expect(asked.locator("button")).to_have_text(["Duyệt"])
    moderator.close()
