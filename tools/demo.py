"""`make demo`: a market day in miniature against a running stack, so the MC screen moves.

Attendees register, walk from booth to booth (volunteer devices scan them), livestream
viewers watch, tap reactions and post comments and questions. `--minutes` sets how long the
day lasts at this speed; a progress bar runs and a summary closes. Only 127.0.0.1 by default.
"""
import argparse
import asyncio
import json
import random
import sys
import time
import uuid

import httpx
import websockets

from shared.config import get_settings
from tools.seed import DEMO_BOOTHS

COMMUNES = ["Xã Tân Thanh", "Phường Đông Kinh", "Xã Thụy Hùng", "Phường Chi Lăng", "Xã Hồng Phong"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Páo", "Sính", "Thảo", "Vàng"]
FAMILY = ["Nguyễn", "Hoàng", "Lò", "Vi", "Nông", "Lý", "Triệu", "Đặng"]
COMMENTS = ["Chào cả nhà!", "Gian hàng 5G hay quá", "Mình vừa làm xong hộ chiếu số", "Cảm ơn ban tổ chức"]
QUESTIONS = ["Chữ ký số có mất phí không?", "Làm sao cài VNeID cho bố mẹ?", "Thanh toán QR có an toàn không?"]


class Day:
    def __init__(self, base_url: str, organiser_token: str, attendees: int, viewers: int, minutes: float):
        self.base_url, self.attendees, self.viewers, self.seconds = base_url, attendees, viewers, minutes * 60
        self.admin = {"Authorization": f"Bearer {organiser_token}"}
        self.tally = {"registered": 0, "checked_in": 0, "repeats": 0, "reactions": 0, "posts": 0, "errors": 0}
        self.start = time.monotonic()

    @property
    def progress(self) -> float:
        return min(1.0, (time.monotonic() - self.start) / self.seconds)

    async def run(self) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=20) as http:
            devices = await self.devices(http)
            tasks = [asyncio.create_task(self.attendee(http, devices, i)) for i in range(self.attendees)]
            tasks += [asyncio.create_task(self.viewer(i)) for i in range(self.viewers)]
            tasks.append(asyncio.create_task(self.progress_bar()))
            await asyncio.gather(*tasks)

    async def devices(self, http: httpx.AsyncClient) -> dict[str, str]:
        """One scanner per demo booth (booths are seeded by `make run`; made here if missing)."""
        tokens = {}
        for order, (booth_id, name_vi, name_en) in enumerate(DEMO_BOOTHS):
            (await http.put(f"/api/admin/booths/{booth_id}", headers=self.admin,
                            json={"name": {"vi": name_vi, "en": name_en}, "order": order})).raise_for_status()
            device = await http.post(f"/api/admin/booths/{booth_id}/devices", headers=self.admin,
                                     json={"label": "demo simulator"})
            tokens[booth_id] = device.raise_for_status().json()["device_token"]
        return tokens

    async def attendee(self, http: httpx.AsyncClient, devices: dict[str, str], i: int) -> None:
        await asyncio.sleep(random.uniform(0, self.seconds * 0.7))
        name = f"{random.choice(FAMILY)} {random.choice(GIVEN)} {i}"
        response = await http.post("/api/attendees", json={"consent": True,
            "name": name, "commune": random.choice(COMMUNES), "request_id": uuid.uuid4().hex,
            "group": random.choice(["trader", "student", "community", "youth_union", "official", "other"])})
        if response.status_code != 201:
            self.tally["errors"] += 1
            return
        self.tally["registered"] += 1
        token = response.json()["token"]
        booths = random.sample(list(devices), k=random.randint(1, len(devices)))
        for booth in booths + random.sample(booths, k=min(1, len(booths))):  # one repeat scan
            await asyncio.sleep(random.uniform(0.5, 3) * self.seconds / 300)
            outcome = await http.post("/api/checkins", headers={"Authorization": f"Bearer {devices[booth]}"},
                                      json={"scan_id": uuid.uuid4().hex, "payload": token})
            status = outcome.json().get("status") if outcome.status_code == 200 else "error"
            key = {"checked_in": "checked_in", "already_checked_in": "repeats"}.get(status, "errors")
            self.tally[key] += 1

    async def viewer(self, i: int) -> None:
        await asyncio.sleep(random.uniform(0, self.seconds * 0.3))
        url = self.base_url.replace("http", "ws", 1) + "/ws/live"
        viewer_id = f"demo-viewer-{i:05d}"
        try:
            async with websockets.connect(url, open_timeout=10) as socket, \
                    httpx.AsyncClient(base_url=self.base_url, timeout=10) as http:
                while self.progress < 1:
                    taps = {random.choice(["like", "love", "clap", "wow"]): random.randint(1, 5)}
                    await socket.send(json.dumps({"type": "react", "counts": taps}))
                    self.tally["reactions"] += sum(taps.values())
                    if random.random() < 0.03:
                        kind = random.choice(["comments", "questions"])
                        text = random.choice(COMMENTS if kind == "comments" else QUESTIONS)
                        posted = await http.post(f"/api/live/{kind}", json={
                            "viewer_id": viewer_id, "name": random.choice(GIVEN), "text": text})
                        self.tally["posts"] += posted.status_code == 201
                    await asyncio.sleep(random.uniform(1, 4))
        except (OSError, websockets.WebSocketException):
            self.tally["errors"] += 1

    async def progress_bar(self) -> None:
        while self.progress < 1:
            await asyncio.sleep(0.5)
            done = int(self.progress * 30)
            sys.stdout.write(f"\r[{'#' * done}{'.' * (30 - done)}] {self.progress:4.0%}  "
                             + "  ".join(f"{k} {v}" for k, v in self.tally.items()))
            sys.stdout.flush()
        print()


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=f"http://127.0.0.1:{settings.gateway_port}")
    parser.add_argument("--attendees", type=int, default=300)
    parser.add_argument("--viewers", type=int, default=60)
    parser.add_argument("--minutes", type=float, default=2.0, help="how long the simulated day lasts")
    args = parser.parse_args()
    day = Day(args.url, settings.organiser_secret(), args.attendees, args.viewers, args.minutes)
    try:
        asyncio.run(day.run())
    except httpx.HTTPError as exc:
        raise SystemExit(f"The stack at {args.url} did not answer ({exc}); start it with `make run`.") from None
    stats = httpx.get(f"{args.url}/api/stats").json()
    print("Simulated:", ", ".join(f"{k} {v}" for k, v in day.tally.items()))
    print("The stack now shows:", ", ".join(f"{k} {v}" for k, v in stats.items() if not isinstance(v, dict)))


if __name__ == "__main__":
    main()
