"""Demo data for a fresh stack, through the public API; running it again changes nothing.

Booths like the event's, a scanner device for each (links written to DATA_DIR once, as
their tokens are shown only when made), and a few attendees.
"""
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

DEMO_BOOTHS = [
    ("dich-vu-cong", "Dịch vụ công trực tuyến", "Public online services"),
    ("chu-ky-so", "Chữ ký số", "Digital signatures"),
    ("dinh-danh-dien-tu", "Định danh điện tử VNeID", "Digital identity (VNeID)"),
    ("thanh-toan-khong-tien-mat", "Thanh toán không dùng tiền mặt", "Cashless payment"),
    ("thuong-mai-dien-tu", "Thương mại điện tử cho nông sản", "E-commerce for farmers"),
    ("trai-nghiem-5g", "Trải nghiệm 5G", "5G experience"),
    ("an-toan-mang", "An toàn trên không gian mạng", "Cyber-safety"),
    ("hoc-so-cho-em", "Học tập số cho thiếu nhi", "Digital learning for children"),
]

DEMO_ATTENDEES = [
    {"name": "Nguyễn Văn An", "phone": "0912 000 001", "commune": "Xã Tân Thanh", "group": "trader"},
    {"name": "Lò Thị Mai", "phone": "0912 000 002", "commune": "Xã Tân Thanh", "group": "youth_union"},
    {"name": "Hoàng Văn Páo", "phone": "0912 000 003", "commune": "Phường Đông Kinh", "group": "community"},
]


SAMPLE_BANK = Path(__file__).resolve().parent.parent / "services" / "quiz" / "sample_bank.json"
DEMO_CONTEST = "ngay-hoi-hoc-tap-so"


def seed_quiz(client: httpx.Client, admin: dict[str, str]) -> None:
    """The sample bank (when the bank is empty) and a contest open for a week from today."""
    if not client.get("/api/admin/quiz/bank", headers=admin).raise_for_status().json():
        client.put("/api/admin/quiz/bank", headers=admin, json=json.loads(SAMPLE_BANK.read_text())).raise_for_status()
    if client.get(f"/api/contests/{DEMO_CONTEST}").status_code == 404:
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        client.put(f"/api/admin/quiz/contests/{DEMO_CONTEST}", headers=admin, json={
            "title": "Tìm hiểu chuyển đổi số", "opens_at": today.isoformat(),
            "closes_at": (today + timedelta(days=7)).isoformat(), "time_limit_seconds": 900,
            "ask_prediction": True}).raise_for_status()


def seed(base_url: str, organiser_token: str, data_dir: Path) -> Path:
    """Seed the demo; returns the file listing each booth's scanner link."""
    links_file = data_dir / "demo-scanner-links.txt"
    admin = {"Authorization": f"Bearer {organiser_token}"}
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for order, (booth_id, name_vi, name_en) in enumerate(DEMO_BOOTHS):
            client.put(f"/api/admin/booths/{booth_id}", headers=admin, json={
                "name": {"vi": name_vi, "en": name_en}, "order": order}).raise_for_status()
        if not links_file.exists():
            lines = []
            for booth_id, name_vi, _ in DEMO_BOOTHS:
                device = client.post(f"/api/admin/booths/{booth_id}/devices", headers=admin,
                                     json={"label": "demo"}).raise_for_status().json()
                lines.append(f"{name_vi}: {device['link']}  (pairing code {device['pairing_code']})")
            links_file.parent.mkdir(parents=True, exist_ok=True)
            links_file.write_text("\n".join(lines) + "\n")
        for attendee in DEMO_ATTENDEES:
            response = client.post("/api/attendees", json=attendee | {"consent": True})
            if response.status_code != 409:  # 409: seeded before, the phone is taken
                response.raise_for_status()
        seed_quiz(client, admin)
    return links_file
