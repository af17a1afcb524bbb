"""The organisers' console in Chromium, on a laptop: sign in, add a booth and a device and open its printable
sheet, upload a bank with bad rows (each one reported, nothing imported) and then a good one (previewed as
players see it), as CSV and as Excel from the downloaded template, set up a contest in Viet Nam time; and an
organiser's pass link signs in by itself."""
import io
import re

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.conftest import ORGANISER, ORGANISER_TOKEN

BAD_CSV = ("id,text_vi,text_en,a_vi,b_vi,correct\n"
           "q1,Mã OTP có nên chia sẻ?,Share your OTP?,Có,Không,B\n"
           "q2,,,Có,Không,B\n"
           "q3,Câu ba?,,Có,,Z\n")
GOOD_CSV = ("id,text_vi,text_en,a_vi,a_en,b_vi,b_en,correct\n"
            "otp,Mã OTP có nên chia sẻ?,Share your OTP?,Có,Yes,Không bao giờ,Never,B\n"
            "vneid,VNeID là gì?,What is VNeID?,Ứng dụng định danh điện tử,The e-ID app,Trò chơi,A game,A\n")


@pytest.fixture
def console(browser, stack):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{stack.base_url}/admin")
    page.fill("#admin-token", ORGANISER_TOKEN)
    page.click("#admin-login button[type=submit]")
    expect(page.locator("#admin-console")).to_be_visible()
    yield page
    context.close()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(page, name: str, content: str | bytes, mime_type: str = "text/csv") -> None:
    bank = page.locator("#admin-bank")
    buffer = content.encode() if isinstance(content, str) else content
    bank.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime_type, "buffer": buffer})
    bank.locator("button[type=submit]").click()


def test_a_booth_and_its_device_come_with_a_printable_sheet(console):
    booths = console.locator("#admin-booths")
    form = booths.locator("[data-role=booth-form]")
    form.locator("[name=id]").fill("cho-so")
    form.locator("button[type=submit]").click()  # no Vietnamese name: refused, the field says why
    expect(form.locator("[data-field='name.vi'] .error")).to_have_text("Vui lòng nhập mục này.")
    expect(console.locator("#admin-status")).to_contain_text("Tên (tiếng Việt)")
    form.locator("[name='name.vi']").fill("Chợ số")
    form.locator("[name='name.en']").fill("Digital market")
    form.locator("button[type=submit]").click()
    card = booths.locator("[data-booth=cho-so]")
    expect(card).to_contain_text("Chợ số")
    card.locator("input[name=label]").fill("Máy của Hoa")
    card.locator("form button[type=submit]").click()
    sheet = booths.locator("[data-role=sheet]")
    expect(sheet).to_be_visible()
    expect(sheet.locator("h3")).to_have_text("Thiết bị quét — Chợ số")
    expect(sheet.locator(".sheet-device h4")).to_have_text("Máy của Hoa")
    expect(sheet.locator(".sheet-device .qr svg")).to_be_visible()
    code = sheet.locator(".sheet-device .code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{8}", code)
    expect(sheet.locator(".sheet-link")).to_contain_text("/scan#device=")
    expect(console.locator("#admin-status")).to_contain_text(code)
    expect(card.locator("[data-device]")).to_contain_text("Máy của Hoa")
    # The sheet prints alone: the page's print styles show only the copy print() makes.
    console.evaluate("window.print = () => {}")
    sheet.locator("[data-role=sheet-print]").click()
    console.emulate_media(media="print")
    expect(console.locator("#admin-print .sheet-device .code")).to_have_text(code)
    expect(console.locator("#admin-booths")).to_be_hidden()


def test_a_bank_with_bad_rows_imports_nothing_and_a_good_one_is_previewed(console, stack):
    before = len(httpx.get(f"{stack.base_url}/api/admin/quiz/bank", headers=ORGANISER).json())
    bank = console.locator("#admin-bank")
    expect(bank.locator("[data-question]")).to_have_count(before)
    upload(console, "cau-hoi.csv", BAD_CSV)
    report = bank.locator("[data-role=report]")
    expect(report.locator("h3")).to_have_text("Chưa nhập: 3 lỗi cần sửa")
    rows = [row.split("\t") for row in report.locator("tbody tr").all_inner_texts()]
    assert rows == [["3", "text_vi", "Vui lòng nhập mục này."], ["4", "choices", "cần từ 2 đến 6 đáp án"],
                    ["4", "correct", "cần chữ cái của một đáp án (A, B, …)"]]
    assert len(httpx.get(f"{stack.base_url}/api/admin/quiz/bank", headers=ORGANISER).json()) == before
    upload(console, "cau-hoi.csv", GOOD_CSV)
    expect(report).to_be_hidden()
    expect(console.locator("#admin-status")).to_have_text("Đã nhập 2 câu hỏi.")
    expect(bank.locator("[data-question]")).to_have_count(2)
    first = bank.locator("[data-question=otp]")
    expect(first.locator(".q-text")).to_have_text("Mã OTP có nên chia sẻ?")
    expect(first.locator(".answer")).to_have_text(["A. Có", "B. Không bao giờ"])


def test_an_excel_bank_starts_from_the_template_and_a_bad_row_is_named_as_excel_numbers_it(console):
    bank = console.locator("#admin-bank")
    with console.expect_download() as download:
        bank.locator("[data-role=template]").click()
    assert download.value.suggested_filename == "question-bank.xlsx"
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))  # saved with no extension
    sheet = workbook.active
    assert sheet.title == "Ngân hàng câu hỏi" and sheet["A2"].value == "otp-1"  # the header, then an example
    sheet.append({"A": "vneid", "D": "Ứng dụng định danh điện tử", "F": "Trò chơi", "P": 1})  # no question; "1"

    def upload_sheet() -> None:
        out = io.BytesIO()
        workbook.save(out)
        upload(console, "cau-hoi.xlsx", out.getvalue(), XLSX)

    upload_sheet()
    report = bank.locator("[data-role=report]")
    expect(report.locator("h3")).to_have_text("Chưa nhập: 2 lỗi cần sửa")
    rows = [row.split("\t") for row in report.locator("tbody tr").all_inner_texts()]
    assert rows == [["3", "text_vi", "Vui lòng nhập mục này."],
                    ["3", "correct", "cần chữ cái của một đáp án (A, B, …)"]]
    sheet["B3"], sheet["P3"] = "VNeID là gì?", "A"
    upload_sheet()
    expect(report).to_be_hidden()
    expect(console.locator("#admin-status")).to_have_text("Đã nhập 2 câu hỏi.")
    expect(bank.locator("[data-question]")).to_have_count(2)
    expect(bank.locator("[data-question=vneid] .answer")).to_have_text(["A. Ứng dụng định danh điện tử", "B. Trò chơi"])


def test_a_contest_is_set_in_viet_nam_time_and_shows_its_figures(console, stack):
    form = console.locator("#admin-contest [data-role=contest-form]")
    form.locator("[name=id]").fill("thi-thu")
    form.locator("[data-role=contest-load]").click()
    expect(console.locator("#admin-status")).to_contain_text("Chưa có cuộc thi với mã này")
    form.locator("[name=title]").fill("Thi thử")
    form.locator("[name=opens_at]").fill("2026-12-10T08:00")
    form.locator("[name=closes_at]").fill("2026-12-10T07:00")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-field=closes_at] .error")).to_be_visible()
    form.locator("[name=closes_at]").fill("2026-12-10T20:30")
    form.locator("[name=minutes]").fill("10")
    form.locator("[name=ask_prediction]").check()
    form.locator("button[type=submit]").click()
    expect(console.locator("#admin-status")).to_have_text("Đã lưu cuộc thi Thi thử: 08:00 10-12 – 20:30 10-12.")
    saved = httpx.get(f"{stack.base_url}/api/contests/thi-thu").json()
    assert (saved["opens_at"], saved["closes_at"]) == ("2026-12-10T01:00:00+00:00", "2026-12-10T13:30:00+00:00")
    assert (saved["time_limit_seconds"], saved["ask_prediction"]) == (600, True)
    figures = console.locator("#admin-contest [data-role=figures]")
    expect(figures.locator("[data-figure=entries]")).to_have_text("0")


def test_an_organisers_pass_link_signs_in_on_a_phone(page, stack):
    issued = httpx.post(f"{stack.base_url}/api/admin/staff", json={"role": "organiser", "label": "Chị Thu"},
                        headers=ORGANISER).json()
    page.goto(issued["link"])
    expect(page.locator("#admin-console")).to_be_visible()
    assert "token" not in page.url
    expect(page.locator("#admin-staff [data-pass]").first).to_contain_text("Chị Thu")


def test_a_results_file_downloads_with_the_token_under_the_servers_name(console):
    """The gateway's own list and file: the attendees' CSV, which only an organiser's token may fetch."""
    card = console.locator("#admin-results [data-export=attendees]")
    expect(card.locator("h3")).to_have_text("Người đăng ký")
    expect(console.locator("#admin-results [data-export=contest-winners] label")).to_have_text(
        ["Mã cuộc thi", "Số người đoạt giải"])
    with console.expect_download() as download:
        card.locator("button", has_text="CSV").click()
    expect(console.locator("#admin-status")).to_have_text("Đã tải Người đăng ký.")
    assert re.fullmatch(r"attendees-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)
    body = download.value.path().read_bytes()
    assert body.startswith("\ufeffMã,Họ tên,Xã,Nhóm,Số điện thoại,Đăng ký lúc\r\n".encode())


def test_booths_are_edited_reordered_and_closed(console, stack):
    for order, (booth_id, name) in enumerate([("gian-mot", "Gian một"), ("gian-hai", "Gian hai")], start=1):
        httpx.put(f"{stack.base_url}/api/admin/booths/{booth_id}", headers=ORGANISER,
                  json={"name": {"vi": name}, "order": 900 + order}).raise_for_status()
    console.reload()
    booths = console.locator("#admin-booths")
    one = booths.locator("[data-booth=gian-mot]")
    one.get_by_role("button", name="Xuống Gian một").click()
    expect(booths.locator("[data-booth]").last).to_contain_text("Gian một")
    one.get_by_role("button", name="Sửa").click()
    form = booths.locator("[data-role=booth-form]")
    expect(form.locator("[name=id]")).to_have_value("gian-mot")
    form.locator("[name='name.en']").fill("Booth one")
    form.locator("button[type=submit]").click()
    expect(console.locator("#admin-status")).to_have_text("Đã lưu gian Gian một.")
    one.get_by_role("button", name="Đóng gian").click()
    expect(one.locator(".tag")).to_have_text("Đã đóng")
    saved = {b["id"]: b for b in httpx.get(f"{stack.base_url}/api/admin/booths", headers=ORGANISER).json()}
    assert saved["gian-mot"]["order"] > saved["gian-hai"]["order"]
    assert (saved["gian-mot"]["name"], saved["gian-mot"]["active"]) == ({"vi": "Gian một", "en": "Booth one"}, False)
