"""The MCs' screen in a real browser at projector size: numbers move, a lost socket shows."""
import httpx
import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_the_screen_shows_a_new_registration_within_a_second(stack, browser, size):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{stack.base_url}/screen")
    expect(page.locator("#status")).to_have_text("Trực tiếp")
    total = page.locator('[data-counter="registrations_total"]')
    before = int(total.inner_text().replace(".", "") or 0)
    httpx.post(f"{stack.base_url}/api/attendees", json={"name": "Khán giả"}).raise_for_status()
    expect(total).to_have_text(str(before + 1), timeout=1500)
    assert page.locator(".tile").first.bounding_box()["height"] < size[1] / 3
    page.close()


def test_a_screen_that_loses_its_socket_says_so_and_resumes(stack, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{stack.base_url}/screen")
    expect(page.locator("#status")).to_have_text("Trực tiếp")
    httpx.post(f"{stack.base_url}/api/attendees", json={"name": "Trước"}).raise_for_status()
    shown = str(httpx.get(f"{stack.base_url}/api/stats").json()["registrations_total"])
    total = page.locator('[data-counter="registrations_total"]')
    expect(total).to_have_text(shown)
    stack.stop("gateway")
    expect(page.locator("#status")).to_have_text("Mất kết nối – đang kết nối lại…")
    expect(total).to_have_text(shown)  # the last figures stay up, marked stale
    stack.start_gateway()
    expect(page.locator("#status")).to_have_text("Trực tiếp", timeout=20_000)
    expect(total).to_have_text(shown)
    httpx.post(f"{stack.base_url}/api/attendees", json={"name": "Sau"}).raise_for_status()
    expect(total).to_have_text(str(int(shown) + 1), timeout=1500)
    page.close()
