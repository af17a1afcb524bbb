"""Scenario 8: the organisers download the province's contest ranking as a CSV file and an Excel workbook.

The database is filled directly (insert_many, in the documents the quiz and registration services
store) with the province's contest, closed and ranked by the prediction: 30,429 participants
(one in ten a registered attendee, whose phone the file takes from the registration) with 81,788
entries' worth of records. Each download is timed from request to last byte, and the gateway's
resident memory is read before, during (its peak) and after: the file must not sit in it whole.
The workbook is downloaded last, from the kept ranking, and must hold the CSV's rows in order.
"""
import asyncio
import csv
import io
import random
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
from openpyxl import load_workbook
from pymongo import MongoClient

from bench.contest import PROVINCE, plan
from bench.measure import CpuMeter, rss_kib
from bench.profile import Profile
from bench.report import ScenarioResult
from bench.target import Target
from gateway.exports import RANKING_COLUMNS, as_text
from services.quiz.logic import Result, Scored, participant_record
from shared.config import Settings
from shared.mongo import connect

CONTEST_ID = "bench-exports"
QUESTIONS = 45
BATCH = 5_000
SECONDS_TARGET = 5.0


def _participants(scale: float, now: datetime) -> tuple[list[dict], list[dict], int]:
    """The participants' records as the quiz service keeps them, the attendees among them, and the perfect entries."""
    rng = random.Random(2026)
    people, attendees, perfect_entries = [], [], 0
    submitted = now - timedelta(hours=6)
    for player in plan(scale):
        attendee = player.number % 10 == 0
        code = f"B{player.number:06d}"
        phone = f"09{player.number:08d}"
        entries: list[dict] = []
        for wrong in player.wrong:
            submitted += timedelta(milliseconds=rng.randint(1, 400))
            scored = Scored({}, Result(QUESTIONS - wrong, rng.randint(60_000, 900_000), submitted,
                                       rng.randint(0, 12_000)), QUESTIONS)
            entries.append({"_id": f"{player.number}-{len(entries)}", "result": scored.as_doc()})
        record = {"_id": f"{CONTEST_ID} {'a:' + code if attendee else 'p:' + phone}", "contest_id": CONTEST_ID,
                  "name": f"Người chơi {player.number}", "commune": f"Xã {player.number % 97}", "commune_code": None,
                  **participant_record(entries)}
        perfect_entries += record["perfect_entries"]
        people.append(record)
        if attendee:
            attendees.append({"code": code, "name": record["name"], "commune": record["commune"], "group": "other",
                              "phone": phone, "registered_at": now - timedelta(days=1)})
    return people, attendees, perfect_entries


def _fill(mongo_url: str, db_name: str, scale: float) -> dict[str, int]:
    """The closed contest, its participants, attendees and counters, written in batches."""
    client: MongoClient = connect(mongo_url)
    try:
        db = client[db_name]
        now = datetime.now(UTC)
        people, attendees, perfect = _participants(scale, now)
        db["contests"].replace_one({"_id": CONTEST_ID}, {
            "_id": CONTEST_ID, "title": "Bench exports", "opens_at": now - timedelta(days=1),
            "closes_at": now - timedelta(minutes=1), "time_limit_seconds": 900, "ask_prediction": True}, upsert=True)
        for rows, collection in ((people, "participants"), (attendees, "attendees")):
            for start in range(0, len(rows), BATCH):
                db[collection].insert_many(rows[start:start + BATCH])
        figures = {"participants": len(people), "entries": sum(p["entries"] for p in people),
                   "perfect_participants": sum(1 for p in people if p["perfect_entries"]), "perfect_entries": perfect}
        db["stats"].update_one({"_id": "quiz/0"}, {"$inc": {"seq": 1, **{
            f"counters.quiz_{name}.{CONTEST_ID}": n for name, n in figures.items()}}}, upsert=True)
        return figures
    finally:
        client.close()


def _rows(body: bytes, fmt: str) -> list[list[str]]:
    """The file's rows below its header, as the CSV writes them; whole numbers without their ".0" (a duration
    of 61 s is 61.0 in the CSV, and 61 in Excel)."""
    if fmt == "csv":
        rows: list[list[str]] = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))[1:]
    else:
        sheet = load_workbook(io.BytesIO(body), read_only=True).active
        rows = [[str(as_text(column, "" if value is None else value))
                 for column, value in zip(RANKING_COLUMNS, row, strict=True)]
                for row in sheet.iter_rows(min_row=2, values_only=True)]
    return [[cell.removesuffix(".0") for cell in row] for row in rows]


def _download(base_url: str, token: str, pid: int | None, fmt: str) -> dict:
    """One download: seconds to the last byte, rows, bytes, and the gateway's memory before, at peak and after."""
    peak = [rss_kib(pid) or 0] if pid else [0]
    before = peak[0]
    done = threading.Event()

    def watch() -> None:
        while pid and not done.wait(0.02):
            peak[0] = max(peak[0], rss_kib(pid) or 0)
    slowest = [0.0]

    def probe() -> None:
        """The gateway keeps serving while it writes the file: its slowest answer to a health check meanwhile."""
        with httpx.Client(base_url=base_url, timeout=30) as client:
            while not done.wait(0.05):
                asked = time.monotonic()
                client.get("/healthz").raise_for_status()
                slowest[0] = max(slowest[0], time.monotonic() - asked)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    body = io.BytesIO()
    started = time.monotonic()
    with httpx.stream("GET", f"{base_url}/api/admin/exports/contest-ranking.{fmt}", params={"contest": CONTEST_ID},
                      headers={"Authorization": f"Bearer {token}"}, timeout=60) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            body.write(chunk)
    seconds = time.monotonic() - started
    done.set()
    watcher.join()
    prober.join()
    return {"seconds": seconds, "rows": _rows(body.getvalue(), fmt), "bytes": body.tell(), "rss_before": before,
            "rss_peak": peak[0], "rss_after": (rss_kib(pid) or 0) if pid else 0, "slowest_health": slowest[0]}


async def run(target: Target, profile: Profile) -> ScenarioResult:
    result = ScenarioResult(8, "organisers' files")
    if not target.mongo_url:
        result.status = "skipped"
        result.notes.append("needs the stack's database: set MONGO_URL (and MONGO_DB) with BENCH_URL")
        return result
    scale = min(1.0, profile.contest_scale * 20)  # the province itself in the full run
    db_name = target.stack.env["MONGO_DB"] if target.stack else Settings().mongo_db
    started = time.monotonic()
    figures = await asyncio.to_thread(_fill, target.mongo_url, db_name, scale)
    result.notes.append(f"filled {figures['participants']:,} participants ({figures['entries']:,} entries, "
                        f"{figures['perfect_entries']:,} perfect) in {time.monotonic() - started:.1f} s")
    downloads, spent = [], []
    # The first ranks every participant; the next read the ranking the quiz service kept.
    for fmt in ("csv", "csv", "xlsx"):
        with CpuMeter(target.pids) as meter:
            download = await asyncio.to_thread(_download, target.base_url, target.organiser_token, target.gateway_pid,
                                               fmt)
        downloads.append(download)
        spent.append(", ".join(f"{name} {share * download['seconds']:.2f}" for name, share in
                               sorted(meter.result.items(), key=lambda kv: -kv[1]) if name != "whole machine"))
    first, again, workbook = downloads
    async with httpx.AsyncClient(base_url=target.base_url, timeout=30) as client:
        board = (await client.get(f"/api/contests/{CONTEST_ID}/stats")).json()["leaderboard"]
    top = [(row[1], int(row[4]), round(float(row[6]), 1)) for row in first["rows"][:len(board)]]
    result.add("ranking file, first download", first["seconds"], "s", target=("<", SECONDS_TARGET))
    result.add("ranking file, again (ranking kept)", again["seconds"], "s", target=("<", SECONDS_TARGET))
    result.add("ranking workbook (.xlsx, ranking kept)", workbook["seconds"], "s", target=("<", SECONDS_TARGET))
    result.add("slowest health check during the workbook", workbook["slowest_health"], "s")
    result.add("rows", len(first["rows"]), "", target=("==", figures["participants"]))
    unlike = sum(1 for mine, theirs in zip(workbook["rows"], first["rows"], strict=False) if mine != theirs)
    result.add("workbook rows unlike the CSV's", unlike + abs(len(workbook["rows"]) - len(first["rows"])), "",
               target=("==", 0))
    result.add("top rows unlike the leaderboard",
               sum(1 for mine, theirs in zip(top, board, strict=True)
                   if mine != (theirs["name"], theirs["correct"], theirs["duration_seconds"])), "", target=("==", 0))
    if target.gateway_pid:
        result.add("gateway memory growth at peak", (first["rss_peak"] - first["rss_before"]) / 1024, "MiB",
                   target=("<", 64))
        result.add("gateway memory growth at peak, workbook", (workbook["rss_peak"] - workbook["rss_before"]) / 1024,
                   "MiB", target=("<", 64))
        result.notes.append(f"gateway RSS {first['rss_before'] / 1024:.0f} MiB before, {first['rss_peak'] / 1024:.0f} "
                            f"at peak, {first['rss_after'] / 1024:.0f} after; second download peak "
                            f"{again['rss_peak'] / 1024:.0f}; workbook {workbook['rss_before'] / 1024:.0f} before, "
                            f"{workbook['rss_peak'] / 1024:.0f} at peak, {workbook['rss_after'] / 1024:.0f} after")
    result.notes.append(f"CPU seconds, first download: {spent[0]}")
    result.notes.append(f"CPU seconds, again: {spent[1]}")
    result.notes.append(f"CPU seconds, workbook: {spent[2]}")
    result.notes.append("slowest health check during the downloads: " + ", ".join(
        f"{d['slowest_health'] * 1000:.0f} ms" for d in downloads) + " (first, again, workbook)")
    result.notes.append(f"file: {first['bytes'] / 1e6:.1f} MB, workbook {workbook['bytes'] / 1e6:.1f} MB, "
                        f"{len(first['rows']):,} rows "
                        f"(province: {PROVINCE['participants']:,} participants)")
    return result
