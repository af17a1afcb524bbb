"""A volunteer at the gate registers an attendee in a real browser and sees the badge."""
import re

from playwright.sync_api import expect


def test_registering_on_the_page_shows_the_badge_and_moves_the_live_counter(stack, page, browser):
    stats = browser.new_page()
    stats.goto(f"{stack.base_url}/stats")
    counter = stats.locator('[data-counter="registrations_total"]')
    expect(stats.locator("#status")).to_have_text("Trực tiếp")
    before = int(re.sub(r"\D", "", counter.inner_text()) or 0)

    page.goto(f"{stack.base_url}/register")
    expect(page.locator("h1")).to_have_text("Đăng ký tham gia")
    page.fill("#name", "Lò Thị Mai")
    page.fill("#phone", "0912 555 666")
    page.fill("#commune", "Xã Tân Thanh")
    page.check("input[name=group][value=youth_union]")
    page.click("button[type=submit]")

    expect(page).to_have_url(re.compile(r"/badge/[0-9A-Z]{7}$"))
    expect(page.locator(".badge-name")).to_have_text("Lò Thị Mai")
    expect(page.locator(".qr svg")).to_be_visible()
    code = page.locator("[data-code]").get_attribute("data-code")
    assert page.url.endswith(code)
    expect(counter).to_have_text(str(before + 1), timeout=2000)
    stats.close()


def test_a_mistake_is_shown_beside_its_field_and_the_typing_is_kept(stack, page):
    page.goto(f"{stack.base_url}/register")
    page.fill("#name", "Nguyễn Văn An")
    page.fill("#phone", "12345")
    page.click("button[type=submit]")
    expect(page.locator("#phone-error")).to_contain_text("Số điện thoại không hợp lệ")
    expect(page.locator("#name")).to_have_value("Nguyễn Văn An")
    page.fill("#phone", "")
    page.click("button[type=submit]")
    expect(page.locator(".badge-name")).to_have_text("Nguyễn Văn An")


def test_english_is_one_tap_away_and_remembered(stack, page):
    page.goto(f"{stack.base_url}/register")
    page.click("a.lang")
    expect(page.locator("h1")).to_have_text("Register")
    page.goto(f"{stack.base_url}/register")
    expect(page.locator("label[for=name]")).to_have_text("Full name")


def test_registering_an_existing_phone_shows_that_badge(stack, page):
    for _ in range(2):
        page.goto(f"{stack.base_url}/register")
        page.fill("#name", "Hoàng Văn Páo")
        page.fill("#phone", "0977 000 111")
        page.click("button[type=submit]")
        expect(page.locator(".badge-name")).to_have_text("Hoàng Văn Páo")
    expect(page.locator(".notice")).to_contain_text("đã đăng ký")
