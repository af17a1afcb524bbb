"""A person on their own phone: sees what is kept about them, keeps a copy, and has it deleted."""
import json

import httpx
from playwright.sync_api import expect

from shared.privacy import PSEUDONYM
from tests.e2e.test_readability import measure


def test_a_person_sees_downloads_and_deletes_their_data_with_their_badge(stack, page, tmp_path):
    me = httpx.post(f"{stack.base_url}/api/attendees", json={
        "consent": True, "name": "Thào Thị Dợ", "phone": "0918 444 555", "commune": "Xã Bản Lầu"}).json()
    page.goto(f"{stack.base_url}/my-data")
    assert measure(page) == ([], [])
    page.fill("#code", me["code"])
    page.fill("#phone", "0918 444 556")
    page.click("#proof button[type=submit]")
    expect(page.locator("#proof-note")).to_contain_text("chưa khớp")
    expect(page.locator("#held")).to_be_hidden()

    page.fill("#phone", "0918 444 555")
    page.click("#proof button[type=submit]")
    expect(page.locator("#held-list")).to_contain_text("Thào Thị Dợ · 0918444555 · Xã Bản Lầu")
    assert measure(page) == ([], [])
    with page.expect_download() as download:
        page.click("#download")
    copy = json.loads(download.value.path().read_text())
    assert copy["registration"]["attendee"]["name"] == "Thào Thị Dợ"
    assert set(copy) == {"registration", "checkin", "quiz", "livestream"}

    expect(page.locator("#erase")).to_be_disabled()
    page.check("#erase-sure")
    page.click("#erase")
    expect(page.locator("#erase-note")).to_have_text("Đã xoá. Cảm ơn bạn đã tham gia.")
    assert httpx.get(f"{stack.base_url}/api/attendees/{me['code']}").json()["name"] == PSEUDONYM
