"""Demo data for a fresh stack, through the public API; running it again changes nothing."""
import httpx

DEMO_ATTENDEES = [
    {"name": "Nguyễn Văn An", "phone": "0912 000 001", "commune": "Xã Tân Thanh", "group": "trader"},
    {"name": "Lò Thị Mai", "phone": "0912 000 002", "commune": "Xã Tân Thanh", "group": "youth_union"},
    {"name": "Hoàng Văn Páo", "phone": "0912 000 003", "commune": "Phường Đông Kinh", "group": "community"},
]


def seed(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for attendee in DEMO_ATTENDEES:
            client.post("/api/attendees", json=attendee).raise_for_status()
