"""Every phone page readable in the sun and usable with a thumb, measured in Chromium at phone size.

Text contrast is WCAG's ratio (at least 4.5:1) between an element's text colour and the background it
actually sits on; a tap target (every link, button, field, and the row of a radio button) is at least
44 x 44 CSS px.
"""
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ORGANISER

BANK = json.loads((Path(__file__).resolve().parents[2] / "services" / "quiz" / "sample_bank.json").read_text())
MIN_CONTRAST = 4.5
MIN_TAP_PX = 44
RESULT_STATES = ("idle", "ok", "warn", "bad")

# Helpers defined once per page; `describe` names an element the way a failure message needs.
HELPERS = """
window.__a11y = (() => {
  const parse = (css) => {
    const parts = css.match(/[\\d.]+/g).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const luminance = (rgb) => {
    const [r, g, b] = rgb.slice(0, 3).map((v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  // The colour under an element: its own and its ancestors' backgrounds, stacked on white.
  const backdrop = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const colour = parse(getComputedStyle(e).backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] === 1) break;
    }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]);
  };
  const opacity = (el) => {
    let value = 1;
    for (let e = el; e; e = e.parentElement) value *= Number(getComputedStyle(e).opacity);
    return value;
  };
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    [...el.classList].map((c) => "." + c).join("") + " " + JSON.stringify(el.textContent.trim().slice(0, 30));
  const contrast = (el) => {
    const text = parse(getComputedStyle(el).color);
    text[3] *= opacity(el);
    const under = backdrop(el);
    return Math.round(ratio(over(text, under), under) * 100) / 100;
  };
  return {
    // Every visible element with text of its own (disabled controls are exempt in WCAG).
    texts: () => [...document.body.querySelectorAll("*")]
      .filter((el) => visible(el) && !el.closest(":disabled, script, style") &&
        [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
      .map((el) => ({ what: describe(el), ratio: contrast(el) })),
    contrast: (selector) => contrast(document.querySelector(selector)),
    // Colours are read once transitions have ended, not half-way from the previous state.
    settled: () => Promise.all(document.getAnimations().map((animation) => animation.finished)),
    // What a thumb aims at: a radio button or checkbox is tapped through its label.
    targets: () => {
      const seen = new Set();
      for (const el of document.querySelectorAll(
          "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]")) {
        const target = el.matches("[type=radio], [type=checkbox]") ? el.closest("label") || el : el;
        if (visible(target)) seen.add(target);
      }
      return [...seen].map((el) => {
        const box = el.getBoundingClientRect();
        return { what: describe(el), width: box.width, height: box.height };
      });
    },
  };
})();
"""


@pytest.fixture(scope="module")
def stack(stack_factory):
    stack = stack_factory()
    now = datetime.now(UTC)
    httpx.put(f"{stack.base_url}/api/admin/quiz/bank", headers=ORGANISER, json=BANK).raise_for_status()
    httpx.put(f"{stack.base_url}/api/admin/quiz/contests/tinh", headers=ORGANISER, json={
        "title": "Tìm hiểu chuyển đổi số", "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat()}).raise_for_status()
    httpx.put(f"{stack.base_url}/api/admin/booths/gian-hang-1", headers=ORGANISER,
              json={"name": {"vi": "Gian hàng 1", "en": "Booth 1"}}).raise_for_status()
    return stack


def measure(page: Page) -> tuple[list[dict], list[dict]]:
    """The texts below 4.5:1 and the tap targets under 44 px on the page as it is now."""
    page.evaluate(HELPERS)
    page.evaluate("__a11y.settled()")
    unreadable = [t for t in page.evaluate("__a11y.texts()") if t["ratio"] < MIN_CONTRAST]
    small = [t for t in page.evaluate("__a11y.targets()") if min(t["width"], t["height"]) < MIN_TAP_PX]
    return unreadable, small


def target_names(page: Page) -> list[str]:
    return [t["what"].split(" ")[0] for t in page.evaluate("__a11y.targets()")]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_registration_with_its_errors_is_readable_and_tappable(stack, page, lang):
    page.goto(f"{stack.base_url}/register?lang={lang}")
    assert measure(page) == ([], [])
    assert {"a.brand", "a.lang", "label.choice", "button"} <= set(target_names(page))
    page.click("#register button[type=submit]")  # nothing filled in: every error shown in red
    expect(page.locator(".error").first).to_be_visible()
    assert measure(page) == ([], [])


def test_every_scanner_state_is_readable_and_tappable(stack, page):
    device = httpx.post(f"{stack.base_url}/api/admin/booths/gian-hang-1/devices", headers=ORGANISER, json={})
    page.goto(device.raise_for_status().json()["link"])
    expect(page.locator("#net")).to_have_text("Trực tuyến")
    page.evaluate("""localStorage.setItem('ndld.refused', JSON.stringify([{scan_id: 'a', label: 'XXXXXXX',
                     reason: 'unknown', at: new Date().toISOString()}]))""")
    page.reload()
    expect(page.locator("#refused-list button.dismiss")).to_have_count(1)
    assert measure(page) == ([], [])
    assert {"button.dismiss.secondary", "button#camera-toggle.secondary", "input#scan-input"} <= set(target_names(page))

    ratios = {}
    for state in RESULT_STATES:
        # What show() does for each answer, with words long enough to be measured.
        page.evaluate("""(state) => {
            document.getElementById('result').className = 'result ' + state;
            for (const id of ['result-title', 'result-name', 'result-detail'])
                document.getElementById(id).textContent = id;
        }""", state)
        page.evaluate("__a11y.settled()")
        ratios[state] = [page.evaluate(f"__a11y.contrast('#{part}')")
                         for part in ("result-title", "result-name", "result-detail")]
        assert measure(page) == ([], []), state
    assert {state: min(r) >= MIN_CONTRAST for state, r in ratios.items()} == dict.fromkeys(RESULT_STATES, True), ratios

    for state in ("live", "stale"):
        page.evaluate("(state) => { document.getElementById('net').className = 'status ' + state; "
                      "document.getElementById('pending').hidden = false; }", state)
        assert measure(page) == ([], []), state


def test_the_contest_questions_are_readable_and_tappable(stack, page):
    page.goto(f"{stack.base_url}/contest/tinh")
    assert measure(page) == ([], [])
    page.fill("#name", "Vàng Thị Sính")
    page.fill("#phone", "0987 333 444")
    page.fill("#commune", "Xã Tân Thanh")
    page.click("#join button[type=submit]")
    expect(page.locator("#questions > li")).to_have_count(len(BANK))
    assert measure(page) == ([], [])
    assert target_names(page).count("label.choice") == sum(len(q["choices"]) for q in BANK)


def test_the_livestream_page_is_readable_and_tappable(stack, page):
    # Another viewer's question: a viewer cannot upvote their own, so only others' have the button.
    httpx.post(f"{stack.base_url}/api/live/questions", timeout=10, json={
        "viewer_id": "another-viewer", "name": "Mai", "text": "Có wifi miễn phí không?"}).raise_for_status()
    page.goto(f"{stack.base_url}/live")
    expect(page.locator("#questions .post .upvote")).to_have_text("▲ 0")
    assert measure(page) == ([], [])
    assert target_names(page).count("button.upvote") == 1


def test_the_live_quiz_phone_and_its_answer_colours_are_readable_and_tappable(stack, page):
    page.goto(f"{stack.base_url}/play")
    assert measure(page) == ([], [])
    # The six answer buttons as play.js draws them.
    page.evaluate("""() => {
        document.getElementById('game').hidden = false;
        document.getElementById('choices').replaceChildren(...[0, 1, 2, 3, 4, 5].map((i) =>
            Object.assign(document.createElement('button'), { type: 'button', className: 'answer a' + i,
                                                              textContent: 'ABCDEF'[i] + '. câu trả lời' })));
    }""")
    assert measure(page) == ([], [])
    assert sum(name.startswith("button.answer.a") for name in target_names(page)) == 6


def test_the_organisers_console_is_readable_and_tappable_on_a_phone(stack, page):
    issued = httpx.post(f"{stack.base_url}/api/admin/staff", headers=ORGANISER, json={"role": "organiser"})
    page.goto(issued.raise_for_status().json()["link"])
    expect(page.locator("#admin-bank [data-question]")).to_have_count(len(BANK))
    booth = page.locator("[data-booth=gian-hang-1]")
    booth.locator("form button[type=submit]").click()  # a device, and the booth's sheet with its code
    expect(page.locator("#admin-booths .sheet-device .code")).to_be_visible()
    bank = page.locator("#admin-bank")
    bank.locator("input[type=file]").set_input_files({"name": "bank.csv", "mimeType": "text/csv",
                                                      "buffer": b"id,text_vi,a_vi,correct\nq1,,A,Z\n"})
    bank.locator("button[type=submit]").click()  # a refused bank: its report and the status line in red
    expect(bank.locator("[data-role=report] tbody tr")).to_have_count(3)
    page.fill("#admin-contest [name=id]", "tinh")
    page.click("#admin-contest [data-role=contest-load]")  # an open contest: its live figures
    page.locator("#admin-contest [data-role=figures]").wait_for()
    assert measure(page) == ([], [])
    assert page.evaluate("document.documentElement.scrollWidth") == 360  # nothing runs off the screen
