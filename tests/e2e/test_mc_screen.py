"""The MCs' screen in a real browser at projector size: numbers move, a lost socket shows, labels read from
ten metres, and a live round's lobby, top 10 and podium."""
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import ORGANISER
from tools.seed import DEMO_BOOTHS

BANK = json.loads((Path(__file__).resolve().parents[2] / "services" / "quiz" / "sample_bank.json").read_text())
ANSWER = {q["text"]["vi"]: "ABCDEF".index(q["correct"]) for q in BANK}


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_the_screen_shows_a_new_registration_within_a_second(stack, browser, size):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{stack.base_url}/screen")
    expect(page.locator("#status")).to_have_text("Trực tiếp")
    total = page.locator('[data-counter="registrations_total"]')
    before = int(total.inner_text().replace(".", "") or 0)
    httpx.post(f"{stack.base_url}/api/attendees", json={"consent": True, "name": "Khán giả"}).raise_for_status()
    expect(total).to_have_text(str(before + 1), timeout=1500)
    assert page.locator(".tile").first.bounding_box()["height"] < size[1] / 3
    page.close()


def test_a_screen_that_loses_its_socket_says_so_and_resumes(stack, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{stack.base_url}/screen")
    expect(page.locator("#status")).to_have_text("Trực tiếp")
    httpx.post(f"{stack.base_url}/api/attendees", json={"consent": True, "name": "Trước"}).raise_for_status()
    shown = str(httpx.get(f"{stack.base_url}/api/stats").json()["registrations_total"])
    total = page.locator('[data-counter="registrations_total"]')
    expect(total).to_have_text(shown)
    stack.stop("gateway")
    expect(page.locator("#status")).to_have_text("Mất kết nối – đang kết nối lại…")
    expect(total).to_have_text(shown)  # the last figures stay up, marked stale
    stack.start_gateway()
    expect(page.locator("#status")).to_have_text("Trực tiếp", timeout=20_000)
    expect(total).to_have_text(shown)
    httpx.post(f"{stack.base_url}/api/attendees", json={"consent": True, "name": "Sau"}).raise_for_status()
    expect(total).to_have_text(str(int(shown) + 1), timeout=1500)
    page.close()


# Readable from ten metres: every label at least 40 px at 1080p, two thirds of that at 720p.
LABELS = ".tile:not([hidden]) .label, .panel h2, .key, #trend-axis span"
# The demo's eight booths, the first with a name far longer than a line.
BOOTHS = {"cho-bien-gioi": "Thanh toán không dùng tiền mặt cho bà con tiểu thương chợ biên giới",
          **{booth_id: name for booth_id, name, _ in DEMO_BOOTHS[1:]}}


def font_px(page, selector: str) -> float:
    return float(page.eval_on_selector(selector, "n => getComputedStyle(n).fontSize").removesuffix("px"))


@pytest.fixture(scope="module")
def stack(stack_factory):
    stack = stack_factory()
    httpx.put(f"{stack.base_url}/api/admin/quiz/bank", headers=ORGANISER, json=BANK).raise_for_status()
    now = datetime.now(UTC)
    httpx.put(f"{stack.base_url}/api/admin/quiz/contests/ngay-hoi", headers=ORGANISER, json={
        "title": "Ngày hội", "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat()}).raise_for_status()
    for order, (booth_id, name) in enumerate(BOOTHS.items()):
        httpx.put(f"{stack.base_url}/api/admin/booths/{booth_id}", headers=ORGANISER,
                  json={"name": {"vi": name, "en": name}, "order": order}).raise_for_status()
    return stack


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_labels_are_large_booth_names_whole_the_trend_timed_and_no_fastest_time_is_a_dash(stack, browser, size):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{stack.base_url}/screen")
    expect(page.locator("#status")).to_have_text("Trực tiếp")
    expect(page.locator("#booth-bars .name")).to_have_text(list(BOOTHS.values()))
    expect(page.locator("#trend-axis span")).to_have_count(5)
    # The contest is open and nobody has a perfect entry: the fastest time is none, not 0 s.
    expect(page.locator('[data-counter="quiz_participants"]')).to_be_visible()
    expect(page.locator('[data-counter="quiz_fastest_perfect_seconds"]')).to_have_text("–")

    smallest = 40 * size[1] / 1080
    sizes = page.eval_on_selector_all(LABELS, "nodes => nodes.map(n => [n.textContent.trim(), "
                                              "parseFloat(getComputedStyle(n).fontSize)])")
    assert len(sizes) == page.locator(LABELS).count() > 12
    assert [label for label, px in sizes if px < smallest] == []

    cut = page.eval_on_selector_all("#booth-bars .name", """nodes => nodes.filter(n =>
        n.scrollWidth > n.clientWidth || getComputedStyle(n).textOverflow === "ellipsis" ||
        n.getBoundingClientRect().bottom > n.closest(".panel").getBoundingClientRect().bottom
    ).map(n => n.textContent)""")
    assert cut == []
    longest = page.locator("#booth-bars .name").first.bounding_box()
    assert longest["height"] > 1.5 * font_px(page, "#booth-bars .name")  # it wrapped onto a second line

    times = page.locator("#trend-axis span").all_inner_texts()
    minutes = [int(t[:2]) * 60 + int(t[3:]) for t in times]
    assert all(re.fullmatch(r"\d\d:\d\d", t) for t in times)
    assert [(b - a) % 1440 for a, b in zip(minutes, minutes[1:], strict=False)] == [15, 15, 15, 14]
    page.close()


def decode_qr(page, selector: str) -> str | None:
    """What a phone's camera reads from the QR code on the screen (jsQR, the scanner page's own decoder)."""
    page.add_script_tag(url="/vendor/jsQR.js")
    return page.eval_on_selector(selector, """async svg => {
        const copy = svg.cloneNode(true); copy.setAttribute("width", 600); copy.setAttribute("height", 600);
        const image = new Image();
        image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(copy.outerHTML);
        await image.decode();
        const canvas = document.createElement("canvas"); canvas.width = canvas.height = 600;
        const context = canvas.getContext("2d");
        context.drawImage(image, 0, 0, 600, 600);
        const found = jsQR(context.getImageData(0, 0, 600, 600).data, 600, 600);
        return found && found.data;
    }""")


def test_the_lobby_shows_how_to_join_and_who_joined_then_the_top_10_and_a_podium(stack, browser):
    code = httpx.post(f"{stack.base_url}/api/admin/quiz/rounds", headers=ORGANISER,
                      json={"question_count": 2, "seconds": 60}).raise_for_status().json()["round_id"]
    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    screen.goto(f"{stack.base_url}/screen?round={code.lower()}")
    expect(screen.locator("#round-code")).to_have_text(code)
    expect(screen.locator("#player-count")).to_have_text("Người chơi: 0")
    assert decode_qr(screen, "#join-qr svg") == f"{stack.base_url}/play?round={code}"
    assert font_px(screen, "#round-code") > 100

    def join(**body) -> dict:
        return httpx.post(f"{stack.base_url}/api/rounds/{code}/join", json=body).raise_for_status().json()

    mai = join(name="Mai")
    join(name="<img src=x>")
    expect(screen.locator("#player-count")).to_have_text("Người chơi: 2")
    join(name="Mai", player_token=mai["player_token"])  # a reload on Mai's phone: nobody new
    pao = join(name="Páo")
    expect(screen.locator("#player-count")).to_have_text("Người chơi: 3")
    names = ["Mai", "<img src=x>", "Páo"]
    expect(screen.locator("#player-names li")).to_have_text(names)
    expect(screen.locator("#player-names img")).to_have_count(0)  # markup is shown as text

    screen.reload()  # a screen opened late gets everyone from the round's state
    expect(screen.locator("#player-count")).to_have_text("Người chơi: 3")
    assert sorted(screen.locator("#player-names li").all_inner_texts()) == sorted(names)

    def host(action: str, **body) -> dict:
        return httpx.post(f"{stack.base_url}/api/admin/quiz/rounds/{code}/{action}", headers=ORGANISER,
                          json=body).raise_for_status().json()

    opened = host("open", index=0)
    right = ANSWER[opened["question"]["text"]["vi"]]
    expect(screen.locator("#quiz-question")).to_have_text(opened["question"]["text"]["vi"])
    expect(screen.locator("#lobby")).to_be_hidden()
    for token, choice in ((mai["player_token"], right), (pao["player_token"], (right + 1) % 2)):
        httpx.post(f"{stack.base_url}/api/rounds/{code}/answer",
                   json={"player_token": token, "index": 0, "choice": choice}).raise_for_status()
    host("close")
    host("reveal")
    expect(screen.locator("#quiz-top li")).to_have_count(3)
    expect(screen.locator("#quiz-top li .name").first).to_have_text("Mai")

    host("finish")
    expect(screen.locator("#finish")).to_be_visible()
    expect(screen.locator("#podium li")).to_have_count(3)
    expect(screen.locator('#podium li[data-place="1"] .name')).to_have_text("Mai")
    podium = {place: screen.locator(f'#podium li[data-place="{place}"]').bounding_box() for place in (1, 2, 3)}
    assert podium[2]["x"] < podium[1]["x"] < podium[3]["x"]  # second, first, third, as on a stage
    screen.close()


def test_a_screen_for_a_round_that_does_not_exist_says_so(stack):
    answer = httpx.get(f"{stack.base_url}/screen?round=XXXXXX")
    assert answer.status_code == 404
    assert "Không có lượt chơi nào mang mã này" in answer.text
    answer = httpx.get(f"{stack.base_url}/screen?round=<b>&lang=en")
    assert answer.status_code == 404 and "No round has this code" in answer.text and "<b>" not in answer.text


def test_a_service_being_restarted_puts_a_discreet_mark_on_the_screen(stack, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{stack.base_url}/screen")
    expect(page.locator("#status")).to_have_text("Trực tiếp")
    expect(page.locator("#degraded")).to_be_hidden()
    stack.kill("livestream")
    try:
        expect(page.locator("#degraded")).to_have_text("Một dịch vụ đang khởi động lại", timeout=15_000)
        expect(page.locator("#status")).to_have_text("Trực tiếp")  # the figures still flow
    finally:
        stack.start_service("livestream")
    expect(page.locator("#degraded")).to_be_hidden(timeout=30_000)
    page.close()
