"""A volunteer at the gate registers an attendee in a real browser and sees the badge."""
import re

import httpx
from playwright.sync_api import expect

from tests.conftest import ORGANISER
from tools.seed import DEMO_CONTEST, seed_quiz


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
    page.check("#consent")
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
    page.check("#consent")
    page.click("button[type=submit]")
    expect(page.locator("#phone-error")).to_contain_text("Số điện thoại không hợp lệ")
    expect(page.locator("#name")).to_have_value("Nguyễn Văn An")
    page.fill("#phone", "")
    page.click("button[type=submit]")
    expect(page.locator(".badge-name")).to_have_text("Nguyễn Văn An")


def test_the_page_says_what_is_kept_and_registers_nobody_until_the_box_is_ticked(stack, page):
    page.goto(f"{stack.base_url}/register")
    expect(page.locator(".consent h2")).to_have_text("Dữ liệu cá nhân của bạn")
    expect(page.locator(".consent")).to_contain_text("Phiên bản nội dung: 2026-12")
    page.fill("#name", "Vàng Thị Dua")
    page.click("button[type=submit]")
    expect(page.locator("#consent-error")).to_have_text("Vui lòng đánh dấu đồng ý để đăng ký.")
    expect(page.locator("#name")).to_have_value("Vàng Thị Dua")
    page.check("#consent")
    page.click("button[type=submit]")
    expect(page.locator(".badge-name")).to_have_text("Vàng Thị Dua")


def test_english_is_one_tap_away_and_remembered(stack, page):
    page.goto(f"{stack.base_url}/register")
    page.click("a.lang")
    expect(page.locator("h1")).to_have_text("Register")
    page.goto(f"{stack.base_url}/register")
    expect(page.locator("label[for=name]")).to_have_text("Full name")


def register(page, base_url: str, name: str, phone: str, commune: str = "") -> None:
    page.goto(f"{base_url}/register")
    page.fill("#name", name)
    page.fill("#phone", phone)
    page.fill("#commune", commune)
    page.check("#consent")
    page.click("button[type=submit]")


def test_another_phone_typing_a_registered_number_is_refused_and_sees_nothing_of_its_holder(stack, page, browser):
    register(page, stack.base_url, "Hoàng Thị Mỷ", "0924129332", "Xã Tân Thanh")
    expect(page.locator(".badge-name")).to_have_text("Hoàng Thị Mỷ")
    code = page.locator("[data-code]").get_attribute("data-code")

    other = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN").new_page()
    register(other, stack.base_url, "Mỷ Hoàng", "+84 924 129 332")
    expect(other.locator(".alert")).to_contain_text("Số điện thoại này đã được đăng ký")
    expect(other).to_have_url(f"{stack.base_url}/register")
    content = other.content()
    assert "Hoàng Thị Mỷ" not in content and code not in content and "Tân Thanh" not in content
    expect(other.locator(".qr, .badge-name")).to_have_count(0)

    other.click("#recover")  # "it is mine", with a name that is not the holder's
    expect(other.locator(".alert")).to_contain_text("chưa khớp")
    assert "Hoàng Thị Mỷ" not in other.content() and code not in other.content()
    other.context.close()


def test_the_owner_on_a_new_phone_gets_her_badge_back_with_her_name_and_commune(stack, page, browser):
    register(page, stack.base_url, "Lò Thị Mai", "0924 129 333", "Xã Tân Thanh")
    code = page.locator("[data-code]").get_attribute("data-code")

    new_phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN").new_page()
    register(new_phone, stack.base_url, "lò thị mai", "(+84) 924-129-333", "Xã Tân Thanh")
    new_phone.click("#recover")
    expect(new_phone).to_have_url(f"{stack.base_url}/badge/{code}")
    expect(new_phone.locator(".badge-name")).to_have_text("Lò Thị Mai")
    new_phone.context.close()


def test_the_same_device_sending_its_form_again_sees_its_own_badge(stack, page):
    page.goto(f"{stack.base_url}/register")
    request_id = page.locator("input[name=request_id]").input_value()
    page.fill("#name", "Hoàng Văn Páo")
    page.fill("#phone", "0977 000 111")
    page.check("#consent")
    page.click("button[type=submit]")
    code = page.locator("[data-code]").get_attribute("data-code")
    # The same form (its request id) sent again, as after a lost answer or a restored page.
    page.goto(f"{stack.base_url}/register")
    page.locator("input[name=request_id]").evaluate("(el, id) => el.value = id", request_id)
    page.fill("#name", "Hoàng Văn Páo")
    page.fill("#phone", "0977000111")
    page.check("#consent")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{stack.base_url}/badge/{code}?existing=1")
    expect(page.locator(".notice")).to_contain_text("Bạn đã đăng ký rồi")


def test_home_leads_to_everything_and_the_badge_says_what_next(stack, page):
    with httpx.Client(base_url=stack.base_url, timeout=15) as client:
        seed_quiz(client, ORGANISER)
    page.goto(stack.base_url)
    menu = page.locator("nav.menu").first
    for href in ("/register", f"/contest/{DEMO_CONTEST}", "/play", "/live"):
        expect(menu.locator(f'a[href="{href}"]')).to_be_visible()
    page.click('a[href="/register"]')
    page.fill("#name", "Vàng A Dế")
    page.check("#consent")
    page.click("button[type=submit]")
    steps = page.locator(".next-steps")
    expect(steps).to_contain_text("gian hàng")
    for href in (f"/contest/{DEMO_CONTEST}", "/play", "/live"):
        expect(steps.locator(f'a[href="{href}"]')).to_be_visible()
    steps.locator(f'a[href="/contest/{DEMO_CONTEST}"]').click()
    expect(page).to_have_url(f"{stack.base_url}/contest/{DEMO_CONTEST}")


COMMUNES = ("code,name,district\n08923,Xã Thanh Thủy,Vị Xuyên\n08938,Xã Thanh Đức,Vị Xuyên\n"
            "06100,Xã Tân Thanh,Văn Lãng\n")


def test_once_the_province_s_list_is_loaded_the_commune_is_picked_from_it_and_stored_by_code(stack, page):
    """Last in this module: from here on a commune must be one of the list."""
    with httpx.Client(base_url=stack.base_url, timeout=15) as client:
        client.put("/api/admin/communes", headers=ORGANISER | {"content-type": "text/csv"},
                   content=COMMUNES.encode()).raise_for_status()
        page.goto(f"{stack.base_url}/register")
        page.fill("#name", "Đặng Thị Hoa")
        page.fill("#commune", "Hà Nội")
        page.check("#consent")
        page.click("button[type=submit]")
        expect(page.locator("#commune-error")).to_have_text("Vui lòng chọn xã, phường trong danh sách.")

        commune = page.locator("#commune")
        commune.fill("")
        commune.press_sequentially("thanh thuy")
        expect(commune).to_have_attribute("aria-expanded", "true")
        page.get_by_role("option", name=re.compile("^Xã Thanh Thủy")).click()
        expect(commune).to_have_value("Xã Thanh Thủy")
        page.click("button[type=submit]")
        expect(page.locator(".badge-name")).to_have_text("Đặng Thị Hoa")
        expect(page.locator(".badge-commune")).to_have_text("Xã Thanh Thủy")
        code = page.locator("[data-code]").get_attribute("data-code")
        assert client.get(f"/api/attendees/{code}").json()["commune_code"] == "08923"

    page.goto(f"{stack.base_url}/register")  # the keyboard alone picks too
    page.locator("#commune").press_sequentially("thanh d")
    expect(page.get_by_role("option")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    expect(page.locator("#commune")).to_have_attribute("aria-activedescendant", "commune-options-0")
    page.keyboard.press("Enter")
    expect(page.locator("#commune")).to_have_value("Xã Thanh Đức")
    expect(page.locator("input[type=hidden][name=commune]")).to_have_value("08938")
