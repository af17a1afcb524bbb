"""Page texts and error messages in Vietnamese (the default) and English."""
from fastapi import Request

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
LANG_COOKIE = "lang"

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "site_title": "Ngày hội Học tập số",
        "tagline": "Ngày hội Học tập số toàn dân",
        "switch_language": "English",
        "register_title": "Đăng ký tham gia",
        "register_intro": "Điền thông tin để nhận mã QR tham quan các gian hàng và tham gia thi.",
        "name": "Họ và tên",
        "phone": "Số điện thoại (không bắt buộc)",
        "commune": "Xã / phường",
        "group": "Bạn là",
        "submit": "Đăng ký",
        "sending": "Đang gửi…",
        "group_youth_union": "Đoàn viên thanh niên",
        "group_student": "Học sinh, sinh viên",
        "group_trader": "Tiểu thương",
        "group_official": "Cán bộ, công chức",
        "group_community": "Người dân",
        "group_other": "Khác",
        "badge_title": "Thẻ tham dự",
        "badge_hint": "Đưa mã QR này cho tình nguyện viên tại mỗi gian hàng.",
        "short_code": "Mã nhập tay",
        "print": "In thẻ",
        "download_png": "Tải ảnh QR",
        "already_registered": "Số điện thoại này đã đăng ký. Đây là thẻ của bạn.",
        "fix_errors": "Vui lòng sửa các mục được đánh dấu.",
        "stats_title": "Số liệu trực tiếp",
        "registrations_total": "Lượt đăng ký",
        "live": "Trực tiếp",
        "stale": "Mất kết nối – đang kết nối lại…",
        "home_register": "Đăng ký tham gia",
        "home_stats": "Màn hình số liệu",
        "badge_lookup": "Tìm lại thẻ bằng mã",
        "find": "Tìm",
        "err_required": "Vui lòng nhập mục này.",
        "err_too_long": "Quá dài.",
        "err_not_text": "Giá trị không hợp lệ.",
        "err_invalid_phone": "Số điện thoại không hợp lệ (ví dụ 0912 345 678 hoặc +84 912 345 678).",
        "err_unknown_group": "Vui lòng chọn một nhóm trong danh sách.",
        "err_invalid": "Thông tin chưa hợp lệ.",
        "err_not_found": "Không tìm thấy.",
        "err_unavailable": "Hệ thống đang bận hoặc mất kết nối. Vui lòng thử lại sau ít giây.",
        "err_internal": "Đã có lỗi. Vui lòng thử lại.",
    },
    "en": {
        "site_title": "Digital Learning Day",
        "tagline": "National Digital Learning Day",
        "switch_language": "Tiếng Việt",
        "register_title": "Register",
        "register_intro": "Fill in your details to get a QR code for the booths and the quiz.",
        "name": "Full name",
        "phone": "Phone number (optional)",
        "commune": "Commune / ward",
        "group": "You are",
        "submit": "Register",
        "sending": "Sending…",
        "group_youth_union": "Youth union member",
        "group_student": "Student",
        "group_trader": "Trader",
        "group_official": "Official",
        "group_community": "Resident",
        "group_other": "Other",
        "badge_title": "Attendee badge",
        "badge_hint": "Show this QR code to the volunteer at each booth.",
        "short_code": "Manual code",
        "print": "Print badge",
        "download_png": "Download QR image",
        "already_registered": "This phone number is already registered. Here is your badge.",
        "fix_errors": "Please correct the marked fields.",
        "stats_title": "Live figures",
        "registrations_total": "Registrations",
        "live": "Live",
        "stale": "Connection lost – reconnecting…",
        "home_register": "Register",
        "home_stats": "Live figures screen",
        "badge_lookup": "Find a badge by its code",
        "find": "Find",
        "err_required": "Please fill in this field.",
        "err_too_long": "Too long.",
        "err_not_text": "Invalid value.",
        "err_invalid_phone": "Not a valid phone number (e.g. 0912 345 678 or +84 912 345 678).",
        "err_unknown_group": "Please choose a group from the list.",
        "err_invalid": "Some details are not valid.",
        "err_not_found": "Not found.",
        "err_unavailable": "The system is busy or offline. Please try again in a few seconds.",
        "err_internal": "Something went wrong. Please try again.",
    },
}


def pick_language(request: Request) -> str:
    """?lang= wins, then the cookie the toggle set; Vietnamese otherwise."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


def text(lang: str, key: str) -> str:
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE]).get(key, key)
