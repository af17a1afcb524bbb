"""A volunteer's scanner in a real browser: camera, handheld scanner, and a network that drops."""
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import ORGANISER
from tests.e2e.conftest import launch
from tests.e2e.fake_camera import qr_video

BOOTH = "trai-nghiem-5g"
VIETNAM = timezone(timedelta(hours=7))


@pytest.fixture(scope="module")
def stack(stack_factory):
    stack = stack_factory()
    httpx.put(f"{stack.base_url}/api/admin/booths/{BOOTH}", headers=ORGANISER,
              json={"name": {"vi": "Trải nghiệm 5G", "en": "5G experience"}}).raise_for_status()
    return stack


def new_device(stack) -> dict:
    response = httpx.post(f"{stack.base_url}/api/admin/booths/{BOOTH}/devices", headers=ORGANISER, json={})
    return response.raise_for_status().json()


def register(stack, name: str) -> dict:
    return httpx.post(f"{stack.base_url}/api/attendees", json={"consent": True, "name": name}).raise_for_status().json()


def counters(stack) -> dict:
    return httpx.get(f"{stack.base_url}/api/stats").json()


def scan_typed(page, payload: str) -> None:
    """What a handheld scanner does: type the payload, press Enter."""
    page.fill("#scan-input", payload)
    page.press("#scan-input", "Enter")


def test_the_camera_reads_a_badge_and_checks_the_attendee_in(stack, playwright, tmp_path):
    mai = register(stack, "Lò Thị Mai")
    video = qr_video(mai["token"], tmp_path / "badge.y4m")
    browser = launch(playwright, ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                                  f"--use-file-for-fake-video-capture={video}"))
    try:
        page = browser.new_page(viewport={"width": 360, "height": 740})
        page.goto(new_device(stack)["link"])
        expect(page.locator("#booth-name")).to_have_text("Trải nghiệm 5G")
        page.click("#camera-toggle")
        expect(page.locator("#result")).to_have_class("result ok", timeout=10_000)
        expect(page.locator("#result-name")).to_have_text("Lò Thị Mai")
        expect(page.locator("#result-title")).to_have_text("Đã ghi nhận")
    finally:
        browser.close()


def test_repeat_and_refused_scans_look_different(stack, page):
    an = register(stack, "Nguyễn Văn An")
    page.goto(new_device(stack)["link"])
    scan_typed(page, an["code"])
    expect(page.locator("#result")).to_have_class("result ok")
    scan_typed(page, an["token"])
    expect(page.locator("#result")).to_have_class("result warn")
    expect(page.locator("#result-title")).to_have_text("Đã ghé gian hàng này")
    scan_typed(page, "XXXXXXX")
    expect(page.locator("#result")).to_have_class("result bad")
    expect(page.locator("#result-detail")).to_have_text("Không tìm thấy người tham dự với mã này.")


def test_a_pairing_code_opens_the_scanner(stack, page):
    page.goto(f"{stack.base_url}/scan")
    page.fill("#pairing-code", new_device(stack)["pairing_code"])
    page.click("#pair button")
    expect(page.locator("#booth-name")).to_have_text("Trải nghiệm 5G")
    expect(page.locator("#scan-input")).to_be_focused()


def test_offline_scans_are_checked_locally_queued_and_synced_once(stack, page):
    people = [register(stack, f"Khách {i}") for i in range(2)]
    page.goto(new_device(stack)["link"])
    expect(page.locator("#net")).to_have_text("Trực tuyến")
    before = counters(stack)

    page.context.set_offline(True)
    scan_typed(page, people[0]["token"])
    expect(page.locator("#result-title")).to_have_text("Đã lưu (ngoại tuyến) – sẽ đồng bộ")
    expect(page.locator("#result-name")).to_have_text("Khách 0")
    scan_typed(page, people[1]["token"])
    scan_typed(page, people[0]["token"])  # the same badge again, still offline
    expect(page.locator("#result-title")).to_have_text("Đã ghé gian hàng này")
    forged = people[1]["token"][:-6] + "AAAAAA"
    scan_typed(page, forged)
    expect(page.locator("#result")).to_have_class("result bad")
    expect(page.locator("#pending")).to_have_text("Chờ đồng bộ: 4")

    # Back on the network but the API still unreachable: the page reloads with its queue.
    page.route("**/api/checkins**", lambda route: route.abort())
    page.context.set_offline(False)
    page.reload()
    expect(page.locator("#pending")).to_have_text("Chờ đồng bộ: 4")

    page.unroute("**/api/checkins**")
    expect(page.locator("#pending")).to_be_hidden(timeout=15_000)
    after = counters(stack)
    assert after["checkins_total"] == before["checkins_total"] + 2
    assert after["checkins_by_booth"][BOOTH] == before["checkins_by_booth"].get(BOOTH, 0) + 2
    rejected = httpx.get(f"{stack.base_url}/api/admin/rejected-scans", headers=ORGANISER).json()
    assert forged[:120] in [r["payload"] for r in rejected]


def test_a_scan_whose_answer_was_lost_is_sent_again_and_counted_once(stack, page):
    guest = register(stack, "Khách mạng chập chờn")
    page.goto(new_device(stack)["link"])
    before = counters(stack)["checkins_total"]
    answers_lost = []

    def lose_the_answer(route):
        response = route.fetch()  # the server records the scan…
        answers_lost.append(response.status)
        route.abort()  # …but the phone never hears back

    page.route("**/api/checkins**", lose_the_answer, times=1)
    scan_typed(page, guest["token"])
    expect(page.locator("#pending")).to_have_text("Chờ đồng bộ: 1")
    expect(page.locator("#pending")).to_be_hidden(timeout=15_000)
    assert answers_lost == [200]
    assert counters(stack)["checkins_total"] == before + 1


def test_the_scanner_reopens_without_signal_and_keeps_its_queue(stack, page):
    guest = register(stack, "Khách vùng sóng yếu")
    page.goto(new_device(stack)["link"])
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now the service worker controls the page and has cached it
    expect(page.locator("#booth-name")).to_have_text("Trải nghiệm 5G")
    page.context.set_offline(True)
    scan_typed(page, guest["token"])
    expect(page.locator("#pending")).to_have_text("Chờ đồng bộ: 1")
    page.reload()
    expect(page.locator("#booth-name")).to_have_text("Trải nghiệm 5G")
    expect(page.locator("#net")).to_have_text("Ngoại tuyến – vẫn quét bình thường")
    expect(page.locator("#pending")).to_have_text("Chờ đồng bộ: 1")
    page.context.set_offline(False)
    expect(page.locator("#pending")).to_be_hidden(timeout=15_000)


def test_scans_refused_after_an_offline_answer_stay_listed_until_dismissed(stack, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    guest = register(stack, "Khách hợp lệ")
    page.goto(new_device(stack)["link"])
    expect(page.locator("#net")).to_have_text("Trực tuyến")
    scan_typed(page, "YYYYYYY")  # refused while online: shown in red at once, so not listed
    expect(page.locator("#result")).to_have_class("result bad")

    context.set_offline(True)
    scan_typed(page, "XXXXXXX")  # an unknown short code
    expect(page.locator("#result")).to_have_class("result warn")
    expect(page.locator("#result-title")).to_have_text("Đã lưu mã – sẽ kiểm tra khi có mạng")
    scan_typed(page, "https://example.com/not-a-badge")  # not an attendee code at all
    expect(page.locator("#result")).to_have_class("result warn")
    forged = guest["token"][:-6] + "AAAAAA"
    scan_typed(page, forged)  # forged: red here already, and refused by the server too
    expect(page.locator("#result")).to_have_class("result bad")
    scan_typed(page, guest["token"])  # valid: accepted later, never listed
    expect(page.locator("#pending")).to_have_text("Chờ đồng bộ: 4")
    scanned_at = [scan["client_time"] for scan in page.evaluate("JSON.parse(localStorage.getItem('ndld.queue'))")]
    expect(page.locator("#refused")).to_be_hidden()

    context.set_offline(False)
    expect(page.locator("#pending")).to_be_hidden(timeout=15_000)
    rows = page.locator("#refused-list li")
    expect(rows.locator(".refused-code")).to_have_text(["XXXXXXX", "https://exam…", forged[:12] + "…"])
    expect(rows.locator(".refused-reason")).to_have_text([
        "Không tìm thấy người tham dự với mã này.", "Đây không phải mã tham dự.", "Mã QR giả hoặc đã bị sửa."])
    times = [datetime.fromisoformat(at).astimezone(VIETNAM) for at in scanned_at[:3]]
    expect(rows.locator("time")).to_have_text([at.strftime("%H:%M") for at in times])
    assert [rows.nth(i).locator("time").get_attribute("datetime") for i in range(3)] == scanned_at[:3]

    page.goto(f"{stack.base_url}/scan?lang=en")  # a reload keeps them, in the page's language
    expect(rows.locator(".refused-reason")).to_have_text([
        "No attendee has this code.", "This is not an attendee code.", "Forged or altered QR code."])
    rows.nth(1).locator("button.dismiss").click()
    expect(rows.locator(".refused-code")).to_have_count(2)
    page.reload()
    expect(rows.locator(".refused-reason")).to_have_text(["No attendee has this code.", "Forged or altered QR code."])
    for _ in range(2):
        rows.first.get_by_role("button", name="Dismiss the scan").click()
    expect(page.locator("#refused")).to_be_hidden()
    page.reload()
    expect(page.locator("#booth-name")).to_have_text("5G experience")
    expect(page.locator("#refused")).to_be_hidden()
    assert page.evaluate("localStorage.getItem('ndld.refused')") == "[]"
    context.close()
